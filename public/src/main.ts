// Entry point of the browser client (bundled to build/public/app.js).
import { App } from './app.js';

new App().start();
