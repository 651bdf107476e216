// `npm run test:integration`: the tests that need a real broker (KAFKA_BROKERS), kept out of
// `npm test`, whose machines have none.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: { include: ['tests/integration/**/*.integration.test.ts'], environment: 'node', testTimeout: 120_000 },
});
