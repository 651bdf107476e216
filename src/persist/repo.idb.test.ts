// The repository contract on IndexedDB, with fake-indexeddb standing in for the browser's
// (repo.browser.test.ts runs the same contract on Chromium's). One database per test.
import 'fake-indexeddb/auto';
import { indexedDbTarget, workspaceRepoContract } from './repo.contract.ts';

let n = 0;
workspaceRepoContract('IndexedDB (fake-indexeddb in Node)', () => indexedDbTarget(`eventfold-test-${++n}`));
