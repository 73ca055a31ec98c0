// Entry point of the browser client (bundled to build/public/app.js).
import { App } from './app.js';
import { installTestApi } from './test-api.js';

const app = new App();
installTestApi(app);
app.start();
