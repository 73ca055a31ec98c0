// Entry point of the test build (bundled to build/public-test/app.js, served only to the
// browser tests): the client of main.ts plus window.__tessera, which the production
// bundle does not carry.
import { App } from './app.js';
import { installTestApi } from './test-api.js';

const app = new App();
installTestApi(app);
app.start();
