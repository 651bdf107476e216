// Every optional module (kinds/index.ts OPTIONAL), loaded at once: for Node (tests, the CLI,
// the bench), where nothing is downloaded and an engine is built synchronously. The worker
// loads them on demand instead.
import { provideModule } from './index.ts';
import { Replication } from './replication.ts';
import { ServiceKind } from './service.ts';
import { StreamKind } from './stream.ts';

provideModule('service', ServiceKind);
provideModule('stream', StreamKind);
provideModule('replication', Replication);
