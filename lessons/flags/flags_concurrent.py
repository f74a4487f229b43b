# 并发版：每面国旗一个协程，全部交给事件循环，一起等应答。
import asyncio
import time

import aiohttp

import walkthrough as wt  # 课程的小帮手：读参数、报告时间线；单独运行时用默认值

BASE_URL = wt.flags_url()  # 国旗服务器的地址：在课程里运行时由服务器给出
COUNTRIES = "CN IN US ID BR PK NG BD RU JP MX PH VN ET EG DE IR TR CD FR".split()
COUNT = wt.integer("count", 20)  # 下载几面国旗
LATENCY = wt.text("latency", "100ms")  # 服务器每次应答前先等这么久
# 和 Go 版一样，延迟为 0 时查询字符串里不写它，由服务器用自己的设置
QUERY = {} if LATENCY == "0s" else {"latency": LATENCY}


async def get_flag(session: aiohttp.ClientSession, cc: str) -> bytes:
    cc = cc.lower()
    async with session.get(f"{BASE_URL}/{cc}/{cc}.gif", params=QUERY) as resp:
        resp.raise_for_status()  # 404、500 之类变成 aiohttp.ClientResponseError
        return await resp.read()  # 在这里让出控制权，别的协程趁机发请求


async def download_one(session: aiohttp.ClientSession, cc: str, tally: dict) -> None:
    wt.start(cc)
    try:
        await get_flag(session, cc)
    except aiohttp.ClientResponseError as exc:
        wt.end(cc, "404" if exc.status == 404 else "error")
        tally["failed"] += 1
        print(f"{cc}({exc.status})", end=" ", flush=True)
        return
    except aiohttp.ClientError as exc:  # 根本没连上
        wt.end(cc, "error")
        tally["failed"] += 1
        print(f"{cc}({exc})", end=" ", flush=True)
        return
    wt.end(cc, "ok")
    tally["downloaded"] += 1
    print(cc, end=" ", flush=True)  # 谁的应答先到，谁先打印


async def main() -> None:
    t0 = time.perf_counter()
    tally = {"downloaded": 0, "failed": 0}  # 协程只在 await 处换人：计数不用加锁
    async with aiohttp.ClientSession() as session:  # 整次运行共用一个会话
        # 每面国旗一个协程，gather 把它们都包成任务，一起等
        await asyncio.gather(*(download_one(session, cc, tally) for cc in COUNTRIES[:COUNT]))
    print()
    summary = f"{tally['downloaded']} flags downloaded in {time.perf_counter() - t0:.2f}s"
    print(summary + (f", {tally['failed']} failed" if tally["failed"] else ""))


if __name__ == "__main__":
    asyncio.run(main())
