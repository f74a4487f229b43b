# 顺序版：一次只发一个请求，前一个的应答完全到手，才发下一个。
import time

import requests

BASE_URL = "http://127.0.0.1:8001"  # 换成本课程内置国旗服务器的地址
COUNTRIES = "CN IN US ID BR PK NG BD RU JP MX PH VN ET EG DE IR TR CD FR".split()


def get_flag(cc: str) -> bytes:
    cc = cc.lower()
    resp = requests.get(f"{BASE_URL}/{cc}/{cc}.gif", params={"latency": "100ms"})
    resp.raise_for_status()
    return resp.content


def main(count: int = 20) -> None:
    t0 = time.perf_counter()
    # 核心开始
    for cc in COUNTRIES[:count]:
        get_flag(cc)  # 阻塞：等应答的这段时间，程序什么也不做
        # 核心结束
        print(cc, end=" ", flush=True)
    print(f"\n{count} flags downloaded in {time.perf_counter() - t0:.2f}s")


if __name__ == "__main__":
    main()
