// The simulation worker: the host API from api.ts, exposed over comlink. Nothing else.
import { expose } from 'comlink';
import { makeWorkerApi } from './api.ts';

expose(makeWorkerApi());
