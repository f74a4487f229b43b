# 同样的请求发两轮：每个请求开一个 ClientSession，和所有请求共用一个 ClientSession。
# TraceConfig 的钩子在“新建了连接”和“复用了连接”时被调用，用来计数；新建连接的钩子
# 还先睡一会儿，代表隔着互联网开一条连接要花的时间。
import asyncio
import time
import types

import aiohttp

import walkthrough as wt  # 课程的小帮手：读参数、报告时间线；单独运行时用默认值

BASE_URL = wt.flags_url()  # 国旗服务器的地址：在课程里运行时由服务器给出
CODES = "cn in us id br pk ng bd ru jp mx ph vn et eg de ir tr cd fr".split()
COUNT = wt.integer("count", 20)  # 每一轮发多少个请求
PARALLEL = wt.integer("parallel", 4)  # 同时最多几个请求在路上
HANDSHAKE_TEXT = wt.text("handshake", "50ms")  # 模拟建立一条新连接（TCP+TLS 握手）要花的时间
HANDSHAKE = wt.parse_duration(HANDSHAKE_TEXT)
# 两轮用同一串 URL：20 面国旗轮着来。服务器不加延迟：这个演示讲的是请求发出之前的事
URLS = [f"{BASE_URL}/{cc}/{cc}.gif?latency=0s" for cc in (CODES[i % len(CODES)] for i in range(COUNT))]


def counting(opened: dict) -> aiohttp.TraceConfig:
    """连接的钩子。每个请求带着一个 trace_request_ctx，钩子在上面记下它用的是新连接还是旧连接。"""
    trace = aiohttp.TraceConfig()

    async def creating(session, ctx, params):
        opened["count"] += 1
        # 本机回环上开一条连接只要几微秒；隔着互联网，TCP 和 TLS 要先来回几趟
        await asyncio.sleep(HANDSHAKE)

    async def created(session, ctx, params):
        ctx.trace_request_ctx.conn = "new"
        wt.point(ctx.trace_request_ctx.name, "conn")

    async def reused(session, ctx, params):
        ctx.trace_request_ctx.conn = "reused"
        wt.point(ctx.trace_request_ctx.name, "conn")

    trace.on_connection_create_start.append(creating)
    trace.on_connection_create_end.append(created)
    trace.on_connection_reuseconn.append(reused)
    return trace


async def get(session: aiohttp.ClientSession, url: str, request: types.SimpleNamespace) -> None:
    async with session.get(url, trace_request_ctx=request) as resp:
        # 把响应体读到结尾：只有这样，连接才会回到池里留给下一个请求
        await resp.read()
        resp.raise_for_status()  # 不是 200 就抛 aiohttp.ClientResponseError：记作失败


async def run_round(label: str, task: str, send) -> dict:
    """发出所有请求，同时最多 PARALLEL 个。每完成一个打印一个记号："+" 用上了一条新连接，
    "." 用的是池子里的连接，"x" 失败；每行 50 个。"""
    print(f"{label:<24} ", end="", flush=True)
    tally = {"label": label, "new": 0, "reused": 0, "failed": 0, "marks": 0}
    sem = asyncio.Semaphore(PARALLEL)

    async def one(i: int, url: str) -> None:
        request = types.SimpleNamespace(name=f"{task} {i:02d}", conn="")
        wt.wait(request.name)  # 时间线上从这里排队，直到拿到名额
        async with sem:  # 等一个空名额
            wt.start(request.name)
            try:
                await send(url, request)
                mark, status = ("+", "new") if request.conn == "new" else (".", "reused")
            except aiohttp.ClientError:
                mark, status = "x", "error"
            wt.end(request.name, status)
            tally[{"+": "new", ".": "reused", "x": "failed"}[mark]] += 1
            if tally["marks"] and tally["marks"] % 50 == 0:
                print(f"\n{'':<24} ", end="")
            tally["marks"] += 1
            print(mark, end="", flush=True)

    start = time.perf_counter()
    await asyncio.gather(*(one(i, url) for i, url in enumerate(URLS, 1)))
    tally["elapsed"] = time.perf_counter() - start
    print(f"  {tally['elapsed']:.3f}s")
    return tally


async def main() -> None:
    print(f"{COUNT} requests, {PARALLEL} at a time; opening a connection takes {HANDSHAKE_TEXT}\n")

    # 第一轮：每个请求一个新会话。它自带一个新的连接池，用完即关，连接无从复用。
    # 笔记里的 aiohttp.request(...) 和 ClientSession().get(...) 也是这样，后者连会话都不关。
    fresh_opened = {"count": 0}

    async def fresh(url, request):
        async with aiohttp.ClientSession(trace_configs=[counting(fresh_opened)]) as session:
            await get(session, url, request)

    per_request = await run_round("new client per request", "fresh", fresh)

    # 第二轮：一个会话管到底。读完的连接回到池里，下一个请求直接拿来用；
    # 和 Go 版一样，每个在路上的请求最多一条连接。
    shared_opened = {"count": 0}
    connector = aiohttp.TCPConnector(limit_per_host=PARALLEL)
    async with aiohttp.ClientSession(connector=connector, trace_configs=[counting(shared_opened)]) as shared:
        one_client = await run_round("one shared client", "shared", lambda url, request: get(shared, url, request))

    print(f"\n{'client':<24} {'requests':>8} {'new conns':>9} {'reused':>7} {'time':>8}")
    for t in (per_request, one_client):
        print(f"{t['label']:<24} {COUNT:>8} {t['new']:>9} {t['reused']:>7} {t['elapsed']:>7.3f}s")
    if failed := per_request["failed"] + one_client["failed"]:
        print(f"{failed} requests failed")
    print(f"\nshared client: {per_request['elapsed'] / one_client['elapsed']:.1f}x as fast; "
          f"connections opened: {shared_opened['count']} instead of {fresh_opened['count']}")


if __name__ == "__main__":
    asyncio.run(main())
