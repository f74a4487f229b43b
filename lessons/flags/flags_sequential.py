# 顺序版：一次只发一个请求，前一个的应答完全到手，才发下一个。
# 用的是标准库的 urllib.request：和笔记里的 requests 一样是阻塞调用，也不用另装什么。
import time
import urllib.error
import urllib.request

import walkthrough as wt  # 课程的小帮手：读参数、报告时间线；单独运行时用默认值

BASE_URL = wt.flags_url()  # 国旗服务器的地址：在课程里运行时由服务器给出
COUNTRIES = "CN IN US ID BR PK NG BD RU JP MX PH VN ET EG DE IR TR CD FR".split()
COUNT = wt.integer("count", 20)  # 下载几面国旗
LATENCY = wt.text("latency", "100ms")  # 服务器每次应答前先等这么久
# 和 Go 版一样，延迟为 0 时查询字符串里不写它，由服务器用自己的设置
QUERY = "" if LATENCY == "0s" else f"latency={LATENCY}"


def get_flag(cc: str) -> bytes:
    cc = cc.lower()
    with urllib.request.urlopen(f"{BASE_URL}/{cc}/{cc}.gif?{QUERY}") as resp:  # 不是 200 就抛 HTTPError
        return resp.read()


def main() -> None:
    t0 = time.perf_counter()
    downloaded, failed = 0, 0
    for cc in COUNTRIES[:COUNT]:
        wt.start(cc)
        try:
            get_flag(cc)  # 阻塞：等应答的这段时间，程序什么也不做
        except urllib.error.HTTPError as exc:  # 服务器回答了 404、500 之类
            wt.end(cc, "404" if exc.code == 404 else "error")
            failed += 1
            print(f"{cc}({exc.code})", end=" ", flush=True)
            continue
        except urllib.error.URLError as exc:  # 根本没连上
            wt.end(cc, "error")
            failed += 1
            print(f"{cc}({exc.reason})", end=" ", flush=True)
            continue
        wt.end(cc, "ok")
        downloaded += 1
        print(cc, end=" ", flush=True)  # 一个接一个地打在同一行上
    print()
    summary = f"{downloaded} flags downloaded in {time.perf_counter() - t0:.2f}s"
    print(summary + (f", {failed} failed" if failed else ""))


if __name__ == "__main__":
    main()
