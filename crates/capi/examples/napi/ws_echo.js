// ws_echo.js — drives the websocket_napi addon under Node: connects to an echo server, sends
// one message, closes after its echo, and prints `open`, the echo and `close`. Exits non-zero on
// any failure, or when nothing finished within NAPI_EXAMPLE_TIMEOUT_MS (default 10000).
//
// usage: node ws_echo.js ADDON.node ws://127.0.0.1:PORT/
'use strict';

const path = require('path');

const [addonPath, url] = process.argv.slice(2);
if (!addonPath || !url) {
  console.error('usage: node ws_echo.js ADDON.node URL');
  process.exit(2);
}
const websocket = require(path.resolve(addonPath));
const message = 'hello from Node-API';
let echoed = false;

function fail(why) {
  console.error(`ws_echo: ${why}`);
  process.exit(1);
}

const timeoutMs = Number(process.env.NAPI_EXAMPLE_TIMEOUT_MS || 10000);
const timer = setTimeout(() => fail(`nothing finished within ${timeoutMs} ms`), timeoutMs);

const connected = websocket.Connect(url, (event) => {
  switch (event.type) {
    case 'open': {
      console.log(`open: ${event.code} ${event.text}`);
      const sent = websocket.Send(message);
      if (sent !== 0) fail(`Send returned ${sent}`);
      break;
    }
    case 'message': {
      console.log(`message: ${event.text}`);
      echoed = event.text === message;
      const closed = websocket.Close(1000, 'done');
      if (closed !== 0) fail(`Close returned ${closed}`);
      break;
    }
    case 'close':
      console.log(`close: ${event.code} ${event.text}`);
      clearTimeout(timer);
      if (!echoed) fail('closed before the echo came back');
      if (event.code !== 1000) fail(`closed with ${event.code}`);
      // The addon released its thread-safe function: Node exits when this returns.
      break;
    case 'error':
      fail(`onError ${event.code}: ${event.text}`);
      break;
    default:
      fail(`unexpected event ${JSON.stringify(event)}`);
  }
});
if (connected !== 0) fail(`Connect returned ${connected}`);
