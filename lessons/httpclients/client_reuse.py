# 同样 20 个请求跑两轮：每个请求开一个 ClientSession，和所有请求共用一个 ClientSession。
# TraceConfig 的两个钩子分别在“新建了连接”和“复用了连接”时被调用，用来计数。
import asyncio
import time

import aiohttp

BASE_URL = "http://127.0.0.1:8001"  # 换成 walkthrough 打印的国旗服务器地址
CODES = "cn in us id br pk ng bd ru jp mx ph vn et eg de ir tr cd fr".split()
URLS = [f"{BASE_URL}/{cc}/{cc}.gif" for cc in CODES]
PARALLEL = 4


def counting(stats: dict) -> aiohttp.TraceConfig:
    trace = aiohttp.TraceConfig()

    async def opened(session, ctx, params):
        stats["new"] += 1

    async def reused(session, ctx, params):
        stats["reused"] += 1

    trace.on_connection_create_end.append(opened)
    trace.on_connection_reuseconn.append(reused)
    return trace


async def session_per_request(stats: dict) -> None:
    sem = asyncio.Semaphore(PARALLEL)

    async def get(url: str) -> bytes:
        async with sem:
            # 每次都新建会话：自带一个新的连接池，用完即关，连接无从复用。
            # 笔记里的 aiohttp.request(...) 和 ClientSession().get(...) 也是这样，
            # 后者连会话都不关。
            # 核心开始
            async with aiohttp.ClientSession(trace_configs=[counting(stats)]) as session:
                async with session.get(url) as resp:
                    return await resp.read()
            # 核心结束

    await asyncio.gather(*(get(url) for url in URLS))


async def shared_session(stats: dict) -> None:
    sem = asyncio.Semaphore(PARALLEL)
    # 一个会话管到底：读完的连接回到池里，下一个请求直接拿来用
    # 核心开始
    async with aiohttp.ClientSession(trace_configs=[counting(stats)]) as session:

        async def get(url: str) -> bytes:
            async with sem:
                async with session.get(url) as resp:
                    return await resp.read()
        # 核心结束

        await asyncio.gather(*(get(url) for url in URLS))


async def main() -> None:
    for label, way in [("session per request", session_per_request), ("shared session", shared_session)]:
        stats = {"new": 0, "reused": 0}
        start = time.perf_counter()
        await way(stats)
        print(f"{label:20} new={stats['new']:3} reused={stats['reused']:3} {time.perf_counter() - start:.2f}s")


if __name__ == "__main__":
    asyncio.run(main())
