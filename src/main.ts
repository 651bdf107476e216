// Entry point: global styles, the simulation worker, and the app.
import { mount } from 'svelte';
import '@xyflow/svelte/dist/style.css';
import './ui/theme.css';
import App from './ui/App.svelte';
import { createEngineClient } from './worker/client.ts';

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');

export default mount(App, { target, props: { api: createEngineClient() } });
