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
    await get_flag(session, cc)
    print(cc, end=" ", flush=True)  # 谁的应答先到，谁先打印


async def main(count: int = 20) -> None:
    t0 = time.perf_counter()
    async with aiohttp.ClientSession() as session:
        await asyncio.gather(*(download_one(session, cc) for cc in COUNTRIES[:count]))
    print(f"\n{count} flags downloaded in {time.perf_counter() - t0:.2f}s")


if __name__ == "__main__":
    asyncio.run(main())
