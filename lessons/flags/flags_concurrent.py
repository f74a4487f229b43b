# 并发版：每面国旗一个协程，全部交给事件循环，一起等应答。
import asyncio
import time

import aiohttp

BASE_URL = "http://127.0.0.1:8001"  # 换成本课程内置国旗服务器的地址
COUNTRIES = "CN IN US ID BR PK NG BD RU JP MX PH VN ET EG DE IR TR CD FR".split()


async def get_flag(session: aiohttp.ClientSession, cc: str) -> bytes:
    cc = cc.lower()
    url = f"{BASE_URL}/{cc}/{cc}.gif"
    async with session.get(url, params={"latency": "100ms"}) as resp:
        resp.raise_for_status()
        return await resp.read()  # 在这里让出控制权，别的协程趁机发请求


async def download_one(session: aiohttp.ClientSession, cc: str) -> None:
    # 核心开始
    await get_flag(session, cc)
    # 核心结束
    print(cc, end=" ", flush=True)  # 谁的应答先到，谁先打印


async def main(count: int = 20) -> None:
    t0 = time.perf_counter()
    # 核心开始
    async with aiohttp.ClientSession() as session:  # 整次运行共用一个会话
        # 每面国旗一个协程，gather 把它们都包成任务，一起等
        await asyncio.gather(*(download_one(session, cc) for cc in COUNTRIES[:count]))
    # 核心结束
    print(f"\n{count} flags downloaded in {time.perf_counter() - t0:.2f}s")


if __name__ == "__main__":
    asyncio.run(main())
