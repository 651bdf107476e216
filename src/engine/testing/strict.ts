// Test setup (vite.config.ts setupFiles): the kernel checks, as each action comes due, that
// it has not expired, so a module that changes an epoch without calling expire() fails its
// tests ([K6]).
import { Kernel } from '../kernel.ts';

Kernel.checkExpiry = true;
