/**
 * tvm-workbench: browse TVM Tuning Workbench runs in JupyterLab without a kernel.
 */

import { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { Dialog, ICommandPalette, showDialog, showErrorMessage } from '@jupyterlab/apputils';
import { ILauncher } from '@jupyterlab/launcher';
import { LabIcon } from '@jupyterlab/ui-components';
import { Widget } from '@lumino/widgets';

import { findRuns, mostRecentRun } from './loader';
import { DEFAULT_WORKLOAD, checkWorkloadSpec, tuningNotebook } from './notebook';
import { RunViewFactory } from './widget';

export const FILE_TYPE = 'tvm-workbench-run';
export const FACTORY = 'Tuning Run View';

export namespace CommandIDs {
  export const newNotebook = 'tvm-workbench:new-notebook';
  export const openRecent = 'tvm-workbench:open-recent-run';
}

const runIcon = new LabIcon({
  name: 'tvm-workbench:run',
  svgstr:
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" width="16">' +
    '<path class="jp-icon3" fill="#616161" d="M3 3h2v16h16v2H3z"/>' +
    '<path class="jp-icon-brand0" fill="#f57c00" d="M7 15l4-5 3 3 5-7 1.6 1.2-6.4 8.9-3-3-2.7 3.4z"/>' +
    '</svg>'
});

/** The dialog body: one text field for the workload spec. */
class WorkloadBody extends Widget implements Dialog.IBodyWidget<string> {
  constructor(value: string) {
    const node = document.createElement('div');
    const label = document.createElement('label');
    label.textContent = 'Workload spec';
    const input = document.createElement('input');
    input.className = 'jp-mod-styled wb-workload-input';
    input.value = value;
    input.spellcheck = false;
    label.appendChild(input);
    node.appendChild(label);
    super({ node });
    this._input = input;
  }

  getValue(): string {
    return this._input.value;
  }

  protected onAfterAttach(): void {
    this._input.focus();
    this._input.select();
  }

  private _input: HTMLInputElement;
}

async function newTuningNotebook(app: JupyterFrontEnd, cwd: string): Promise<void> {
  let spec = DEFAULT_WORKLOAD;
  for (;;) {
    const result = await showDialog({
      title: 'New tuning notebook',
      body: new WorkloadBody(spec),
      buttons: [Dialog.cancelButton(), Dialog.okButton({ label: 'Create' })],
      focusNodeSelector: 'input'
    });
    if (!result.button.accept || result.value === null) {
      return;
    }
    spec = result.value.trim();
    const problem = checkWorkloadSpec(spec);
    if (!problem) {
      break;
    }
    await showErrorMessage('Invalid workload spec', problem);
  }
  const contents = app.serviceManager.contents;
  const model = await contents.newUntitled({ path: cwd, type: 'notebook' });
  await contents.save(model.path, {
    type: 'notebook',
    format: 'json',
    content: tuningNotebook(spec)
  });
  await app.commands.execute('docmanager:open', { path: model.path, factory: 'Notebook' });
}

async function openMostRecentRun(app: JupyterFrontEnd): Promise<void> {
  const found = await findRuns(app.serviceManager.contents, '');
  const path = mostRecentRun(found);
  if (!path) {
    await showErrorMessage(
      'No tuning run found',
      'No run directory (a folder holding workbench.json) within 4 folder levels of the ' +
        'server root. Start one with workbench.Session(..., work_dir=DIR) or `workbench tune`.'
    );
    return;
  }
  await app.commands.execute('docmanager:open', { path, factory: FACTORY });
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'tvm-workbench:plugin',
  description: 'Browse TVM Tuning Workbench runs without a kernel.',
  autoStart: true,
  optional: [ILauncher, ICommandPalette],
  activate: (
    app: JupyterFrontEnd,
    launcher: ILauncher | null,
    palette: ICommandPalette | null
  ) => {
    const { commands, docRegistry, serviceManager } = app;
    docRegistry.addFileType({
      name: FILE_TYPE,
      displayName: 'Tuning run',
      pattern: '^(workbench\\.json|rounds\\.jsonl)$',
      extensions: [],
      mimeTypes: ['application/json'],
      contentType: 'file',
      fileFormat: 'text',
      icon: runIcon
    });
    const factory = new RunViewFactory({
      name: FACTORY,
      label: 'Tuning Run View',
      fileTypes: [FILE_TYPE],
      defaultFor: [FILE_TYPE],
      readOnly: true,
      contents: serviceManager.contents,
      actions: {
        openRun: path => void commands.execute('docmanager:open', { path, factory: FACTORY })
      }
    });
    docRegistry.addWidgetFactory(factory);

    commands.addCommand(CommandIDs.newNotebook, {
      label: args => (args.isLauncher ? 'New tuning notebook' : 'New Tuning Notebook'),
      caption: 'Create a notebook that tunes a workload with the TVM Tuning Workbench',
      icon: args => (args.isPalette ? undefined : runIcon),
      execute: args => newTuningNotebook(app, typeof args.cwd === 'string' ? args.cwd : '')
    });
    commands.addCommand(CommandIDs.openRecent, {
      label: 'Open most recent tuning run',
      caption: 'Open the run view of the most recently written tuning run',
      execute: () => openMostRecentRun(app)
    });
    launcher?.add({ command: CommandIDs.newNotebook, category: 'Notebook', rank: 50 });
    for (const command of [CommandIDs.openRecent, CommandIDs.newNotebook]) {
      palette?.addItem({ command, category: 'TVM Workbench' });
    }
  }
};

export default plugin;
