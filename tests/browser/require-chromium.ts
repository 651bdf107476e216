// globalSetup of the vitest browser project: stop before launching anything when there is
// no Chromium, with browser-path.ts's message saying what to install.
import { exitUnlessChromium } from '../../browser-path.ts';

export default function setup() {
  exitUnlessChromium();
}
