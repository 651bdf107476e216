// Entry point: global styles, the simulation worker, and the app.
import { mount } from 'svelte';
import '@xyflow/svelte/dist/style.css';
import './ui/theme.css';
import App from './ui/App.svelte';
import { createEngineClient } from './worker/client.ts';
// Straight from the modules, not persist/index.ts: the barrel also re-exports the file
// import/export, which would then load with the first screen.
import { openWorkspaceRepo } from './persist/repo.ts';
import { broadcastNotifier } from './persist/notify.ts';

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');

// The worker starts while IndexedDB opens; where it cannot (a private window), the repo is
// in memory and `error` says why, so the app still works and tells the learner.
const api = createEngineClient();
const { repo, error } = await openWorkspaceRepo({ notifier: broadcastNotifier() });

export default mount(App, { target, props: { api, repo, storageProblem: error } });
