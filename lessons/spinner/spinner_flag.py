# 线程版的另一种写法：标志是普通对象上的一个普通属性（笔记里就是这样），
# 不用 threading.Event。在 CPython 里它能用，原因见课文“数据竞争”一节。
import itertools
import sys
import threading
import time

import walkthrough as wt  # 课程的小帮手：读参数、报告时间线；单独运行时用默认值

SLOW = wt.duration("slow", "3s")  # 慢调用要多久，单位秒
FRAME = wt.duration("frame", "80ms")  # 指针每转一格的间隔


class Shared:
    """两个线程都拿着的同一个对象；stop 是它的一个普通属性。"""

    stop = False


def draw(label: str, shared: Shared) -> None:
    wt.start("spinner")
    text = ""
    for mark in itertools.cycle("|/-\\"):
        if shared.stop:  # 读属性：有 GIL 在，读到的总是某一次完整写下的值
            break
        text = f"{mark} {label}"
        sys.stdout.write(text + "\b" * len(text))
        sys.stdout.flush()
        wt.point("spinner", "frame")
        time.sleep(FRAME)
    sys.stdout.write(" " * len(text) + "\b" * len(text))
    sys.stdout.flush()
    wt.end("spinner", "flag")


def slow_call() -> int:
    wt.start("slow call")
    time.sleep(SLOW)
    wt.end("slow call", "ok")
    return 42


def main() -> None:
    shared = Shared()
    worker = threading.Thread(target=draw, args=("thinking...", shared))
    worker.start()
    answer = slow_call()
    shared.stop = True  # 写属性：没有锁，也没有 Event
    worker.join()
    print("Answer:", answer)


if __name__ == "__main__":
    main()
