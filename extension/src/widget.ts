/**
 * The run view as a JupyterLab document widget: opens on ``workbench.json`` / ``rounds.jsonl``
 * and polls the contents API, re-rendering only when a file of the run changed.
 */

import {
  ABCWidgetFactory,
  DocumentRegistry,
  DocumentWidget,
  IDocumentWidget
} from '@jupyterlab/docregistry';
import { Widget } from '@lumino/widgets';

import { IContentsLike, RunLoader, runDirOf } from './loader';
import { IViewActions, renderMessage, renderRun } from './view';

export const POLL_MS = 3000;

export interface IRunViewOptions {
  contents: IContentsLike;
  /** Path of the opened file (or of the run directory). */
  path: string;
  actions?: IViewActions;
  pollMs?: number;
}

export class RunView extends Widget {
  constructor(options: IRunViewOptions) {
    super();
    this.addClass('wb-RunView');
    this.node.tabIndex = 0;
    this._contents = options.contents;
    this._actions = options.actions ?? {};
    this._pollMs = options.pollMs ?? POLL_MS;
    this._loader = new RunLoader(this._contents, runDirOf(options.path));
    this.node.appendChild(renderMessage(document, 'Loading the run…'));
  }

  /** The number of times the view was rendered (a poll that finds no change renders nothing). */
  get renders(): number {
    return this._renders;
  }

  /** Point the view at a new path (the file was renamed or moved). */
  setPath(path: string): void {
    this._loader = new RunLoader(this._contents, runDirOf(path));
    void this.refresh();
  }

  /** Read the run; re-render when something changed. Resolves to whether it re-rendered. */
  async refresh(): Promise<boolean> {
    const loader = this._loader;
    let content: HTMLElement;
    try {
      const { data, changed } = await loader.load();
      if (!changed && this._renders > 0 && !this._failed) {
        return false;
      }
      this._failed = false;
      content = renderRun(document, data, this._actions);
    } catch (err) {
      const message = `Cannot show this run: ${(err as Error).message ?? String(err)}`;
      if (this._failed === message) {
        return false;
      }
      this._failed = message;
      content = renderMessage(document, message);
    }
    if (this.isDisposed || loader !== this._loader) {
      return false;
    }
    const scroll = this.node.scrollTop;
    this.node.replaceChildren(content);
    this.node.scrollTop = scroll;
    this._renders += 1;
    this.node.dataset.renders = String(this._renders);
    return true;
  }

  protected onAfterAttach(): void {
    this._schedule(0);
  }

  protected onBeforeDetach(): void {
    this._stop();
  }

  dispose(): void {
    this._stop();
    super.dispose();
  }

  private _schedule(delay: number): void {
    this._stop();
    this._timer = window.setTimeout(async () => {
      this._timer = null;
      if (this.isDisposed || !this.isAttached) {
        return;
      }
      if (this.isVisible || this._renders === 0) {
        try {
          await this.refresh();
        } catch {
          // refresh() reports its own errors in the view; keep polling.
        }
      }
      if (!this.isDisposed && this.isAttached) {
        this._schedule(this._pollMs);
      }
    }, delay);
  }

  private _stop(): void {
    if (this._timer !== null) {
      window.clearTimeout(this._timer);
      this._timer = null;
    }
  }

  private _contents: IContentsLike;
  private _actions: IViewActions;
  private _pollMs: number;
  private _loader: RunLoader;
  private _renders = 0;
  private _failed: string | false = false;
  private _timer: number | null = null;
}

export namespace RunViewFactory {
  export interface IOptions extends DocumentRegistry.IWidgetFactoryOptions<IDocumentWidget<RunView>> {
    contents: IContentsLike;
    actions?: IViewActions;
  }
}

/** Document widgets showing the run that an opened file belongs to. */
export class RunViewFactory extends ABCWidgetFactory<IDocumentWidget<RunView>> {
  constructor(options: RunViewFactory.IOptions) {
    super(options);
    this._contents = options.contents;
    this._actions = options.actions ?? {};
  }

  protected createNewWidget(context: DocumentRegistry.Context): IDocumentWidget<RunView> {
    const content = new RunView({
      contents: this._contents,
      path: context.localPath,
      actions: this._actions
    });
    context.pathChanged.connect(() => content.setPath(context.localPath));
    const widget = new DocumentWidget({ content, context });
    widget.addClass('wb-RunDocument');
    return widget;
  }

  private _contents: IContentsLike;
  private _actions: IViewActions;
}
