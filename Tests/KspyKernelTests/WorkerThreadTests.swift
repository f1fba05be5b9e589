import Glibc
import Testing

@testable import KspyKernel

@Suite struct WorkerThreadTests {
    /// Where a test's work leaves its result (the work hands results over through what
    /// it captures).
    final class Box<Value>: @unchecked Sendable {
        var value: Value?
        var runs = 0
    }

    /// The work runs on a thread other than the caller's, at the same time as the
    /// caller (each waits for the other's signal), and `wait()` returns after it ran.
    @Test func runsConcurrentlyOnAnotherThread() throws {
        let callerThread = pthread_self()
        var toWorker: [Int32] = [-1, -1]
        var toCaller: [Int32] = [-1, -1]
        #expect(pipe(&toWorker) == 0 && pipe(&toCaller) == 0)
        let (workerRead, workerWrite) = (toWorker[0], toCaller[1])
        let box = Box<[UInt]>()
        let worker = WorkerThread {
            var byte: UInt8 = 0
            let got = read(workerRead, &byte, 1)  // blocks until the caller writes
            var reply: UInt8 = 2
            _ = write(workerWrite, &reply, 1)
            box.value = [pthread_self(), UInt(got), UInt(byte)]
            box.runs += 1
        }
        var go: UInt8 = 7
        #expect(write(toWorker[1], &go, 1) == 1)
        var reply: UInt8 = 0
        #expect(read(toCaller[0], &reply, 1) == 1)  // the worker answered before wait()
        #expect(reply == 2)
        worker.wait()
        let result = try #require(box.value)
        #expect(result[0] != callerThread)
        #expect(result[1] == 1 && result[2] == 7)
        worker.wait()  // waited for twice, ran once
        #expect(box.runs == 1)
        for fd in toWorker + toCaller { close(fd) }
    }

    /// The CPU the calling thread last ran on (field 39 of /proc/thread-self/stat).
    private static func currentCPU() -> Int {
        guard let stat = try? SystemFile.read("/proc/thread-self/stat"), let close = stat.lastIndex(of: ")") else {
            return -1
        }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 36 ? Int(fields[36]) ?? -1 : -1  // fields after comm start at 3
    }

    /// The `Cpus_allowed_list` line of a status file.
    private static func allowedCPUs(_ path: String) -> String? {
        (try? SystemFile.read(path))?.split(separator: "\n").first { $0.hasPrefix("Cpus_allowed_list:") }.map(String.init)
    }

    /// With more than one CPU to use, the worker runs on another CPU than the one its
    /// creator ran on when it started it, so that it starts without waiting for it.
    @Test func workerRunsBesideItsCreator() throws {
        let status = try SystemFile.read("/proc/self/status")
        let allowed = status.split(separator: "\n").first { $0.hasPrefix("Cpus_allowed_list:") } ?? ""
        guard allowed.contains(",") || allowed.contains("-") else {
            print("skipped: this process may use one CPU only (\(allowed))")
            return
        }
        for _ in 0..<10 {
            var started: [Int32] = [-1, -1]
            #expect(pipe(&started) == 0)
            let startedWrite = started[1]
            let creatorCPU = Self.currentCPU()
            let box = Box<Int>()
            let allowedBox = Box<String>()
            let worker = WorkerThread {
                box.value = Self.currentCPU()
                allowedBox.value = Self.allowedCPUs("/proc/thread-self/status")
                var byte: UInt8 = 1
                _ = write(startedWrite, &byte, 1)
            }
            // Wait blocked until the worker has begun (so the work is the worker's).
            var byte: UInt8 = 0
            #expect(read(started[0], &byte, 1) == 1)
            worker.wait()
            close(started[0])
            close(started[1])
            let workerCPU = box.value ?? -1
            #expect(workerCPU >= 0 && creatorCPU >= 0)
            // The creator may have moved since: compare with where it was at creation.
            #expect(workerCPU != creatorCPU, "worker on CPU \(workerCPU), creator on \(creatorCPU)")
            // Placed there, the worker may then run on any of the process's CPUs.
            #expect(allowedBox.value == Self.allowedCPUs("/proc/self/status"))
        }
    }

    /// Waited for at once, the work runs exactly once, on the worker or on the caller,
    /// whichever claims it first.
    @Test func theWorkRunsOnceWhoeverClaimsIt() {
        for index in 0..<200 {
            let box = Box<Int>()
            let worker = WorkerThread {
                box.value = index * 3
                box.runs += 1
            }
            worker.wait()
            worker.wait()
            #expect(box.value == index * 3 && box.runs == 1, "\(index): \(box.runs) runs")
        }
    }

    @Test func manyWorkersEachGiveTheirOwnResult() {
        let boxes = (0..<32).map { _ in Box<Int>() }
        let workers = (0..<32).map { n in WorkerThread { boxes[n].value = (0...n).reduce(0, +) } }
        for worker in workers { worker.wait() }
        #expect(boxes.map { $0.value } == (0..<32).map { $0 * ($0 + 1) / 2 })
    }
}
