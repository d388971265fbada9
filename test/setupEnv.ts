// Every test worker sees the test stack's settings (dev key file, issuer, audience) before any import.
import { testStackEnv } from './env';

Object.assign(process.env, testStackEnv);
