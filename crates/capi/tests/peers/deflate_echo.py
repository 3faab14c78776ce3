# Echo server on python websockets, permessage-deflate on (its default). Prints the port it
# listens on, then first sends "ext=NAMES" (the extensions negotiated), then echoes.
import asyncio

from websockets.asyncio.server import serve


async def handler(ws):
    names = ",".join(e.name for e in ws.protocol.extensions)
    await ws.send("ext=" + names)
    async for message in ws:
        await ws.send(message)


async def main():
    async with serve(handler, "127.0.0.1", 0) as server:
        print(server.sockets[0].getsockname()[1], flush=True)
        await asyncio.Future()


asyncio.run(main())
