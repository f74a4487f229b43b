# 线程版：旋转指针跑在另一个线程里，靠一个共享的 Event 通知它收工。
import itertools
import sys
import threading
import time

import walkthrough as wt  # 课程的小帮手：读参数、报告时间线；单独运行时用默认值

SLOW = wt.duration("slow", "3s")  # 慢调用要多久，单位秒
FRAME = wt.duration("frame", "80ms")  # 指针每转一格的间隔


def draw(label: str, stop: threading.Event) -> None:
    wt.start("spinner")
    text = ""
    for mark in itertools.cycle("|/-\\"):
        text = f"{mark} {label}"
        sys.stdout.write(text + "\b" * len(text))
        sys.stdout.flush()
        wt.point("spinner", "frame")
        time.sleep(FRAME)
        if stop.is_set():  # 线程无法被外部打断，只能醒来后自己看标志
            break
    sys.stdout.write(" " * len(text) + "\b" * len(text))
    sys.stdout.flush()
    wt.end("spinner", "flag")


def slow_call() -> int:
    wt.start("slow call")
    time.sleep(SLOW)  # 阻塞当前线程，但 GIL 会被释放，指针线程照样转
    wt.end("slow call", "ok")
    return 42


def main() -> None:
    stop = threading.Event()
    worker = threading.Thread(target=draw, args=("thinking...", stop))
    worker.start()  # 造好的线程对象要 start() 才开始跑
    answer = slow_call()
    stop.set()  # 留个口信……
    worker.join()  # ……等它下一次醒来看到
    print("Answer:", answer)


if __name__ == "__main__":
    main()
