#!/usr/bin/env python3
"""A TCP proxy on loopback that delays every byte by a fixed time in each
direction: a network with a round trip of twice that, for benchmarks
(netem is not available everywhere).

    delay_proxy.py LISTEN_PORT UNIX_SOCKET_PATH ONE_WAY_MS

Listens on 127.0.0.1:LISTEN_PORT and forwards each connection to the
PostgreSQL server's Unix socket.  Order is kept: what arrives is sent on,
in order, ONE_WAY_MS after it arrived.  Runs until killed.
"""
import asyncio
import sys


async def pipe(reader, writer, delay):
    loop = asyncio.get_running_loop()
    queue = asyncio.Queue()

    async def receive():
        while True:
            data = await reader.read(65536)
            queue.put_nowait((loop.time() + delay, data))
            if not data:
                return

    async def send():
        while True:
            due, data = await queue.get()
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            if not data:
                writer.close()
                return
            writer.write(data)
            await writer.drain()

    try:
        await asyncio.gather(receive(), send())
    except (ConnectionError, asyncio.CancelledError):
        writer.close()


async def main():
    port, socket_path, one_way_ms = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
    delay = one_way_ms / 1000.0

    async def handle(client_reader, client_writer):
        server_reader, server_writer = await asyncio.open_unix_connection(socket_path)
        await asyncio.gather(pipe(client_reader, server_writer, delay),
                             pipe(server_reader, client_writer, delay))

    server = await asyncio.start_server(handle, "127.0.0.1", port)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
