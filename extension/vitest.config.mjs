import { defineConfig } from 'vitest/config';

// The suite reads run directories that the Python side writes; see tests/test_extension.py.
export default defineConfig({
  test: {
    environment: 'jsdom',
    include: ['test/**/*.test.ts']
  }
});
