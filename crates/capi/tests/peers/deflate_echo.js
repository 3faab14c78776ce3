// Echo server on Node ws, permessage-deflate on (off by default in ws). Prints the port it
// listens on, then first sends "ext=NAMES" (the extensions negotiated), then echoes.
const { WebSocketServer } = require('ws');

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: { threshold: 0 } });
wss.on('listening', () => console.log(wss.address().port));
wss.on('connection', (ws) => {
  ws.send('ext=' + ws.extensions);
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
});
