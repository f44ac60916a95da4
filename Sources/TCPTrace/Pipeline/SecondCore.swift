import Dispatch
import Foundation

/// Work split in two halves (`SecondCore.run`): `run(half: 0)` and `run(half: 1)` may run at once, on two
/// threads, and must touch nothing in common that either changes.
protocol HalfJob {
    func run(half: Int)
}

/// A thread of its own that runs one half of a job while the calling thread runs the other
/// (`RenderedBatch`), or a job's second half while the caller goes on with something else (`start(_:)` and
/// `wait()`: `RenderingAhead`): started at the first job, stopped when this goes away. Handing a job over
/// allocates nothing (two semaphores, a pointer to the job, and a function made once per kind of job):
/// `DispatchQueue.concurrentPerform` allocated four blocks a call, and a batch of finalized connections
/// every 256 made that 0.016 allocations per connection in steady state (issue 21's target is 0.001).
final class SecondCore {
    /// What the thread shares with its owner. The thread keeps only this, so that the owner can go away
    /// (and stop it) while the thread waits.
    private final class Shared: @unchecked Sendable {
        let start = DispatchSemaphore(value: 0)
        let done = DispatchSemaphore(value: 0)
        /// The job while one runs, and how to run its half (set before `start` and read after it: the
        /// semaphores order every access); whether the thread is to end.
        var job: UnsafeRawPointer?
        var runHalf: ((UnsafeRawPointer, Int) -> Void)?
        var stopping = false
    }

    private let shared = Shared()
    private var started = false
    /// The kind of job `shared.runHalf` runs, and whether it reaches it through a pointer to the value (`run`)
    /// or to the object (`start`).
    private var jobType: ObjectIdentifier?
    private var jobByReference = false

    /// Runs `job.run(half: 0)` on this thread and `job.run(half: 1)` on the second one at once, and returns
    /// when both are done.
    func run<Job: HalfJob>(_ job: Job) {
        precondition(shared.job == nil, "SecondCore: a job started with start(_:) is not waited for")
        if !started { start() }
        if jobType != ObjectIdentifier(Job.self) || jobByReference {
            jobType = ObjectIdentifier(Job.self)
            jobByReference = false
            shared.runHalf = { raw, half in raw.assumingMemoryBound(to: Job.self).pointee.run(half: half) }
        }
        withUnsafePointer(to: job) { pointer in
            shared.job = UnsafeRawPointer(pointer)
            shared.start.signal()
            job.run(half: 0)
            shared.done.wait()
            shared.job = nil
        }
    }

    /// Starts `job.run(half: 1)` on the second thread and returns at once, while the caller goes on with other
    /// work (`RenderingAhead`); `wait()` returns once it is done. The job is kept alive by its owner, and nothing
    /// changes what it reads, until then.
    func start<Job: HalfJob & AnyObject>(_ job: Job) {
        precondition(shared.job == nil, "SecondCore: a job started with start(_:) is not waited for")
        if !started { start() }
        if jobType != ObjectIdentifier(Job.self) || !jobByReference {
            jobType = ObjectIdentifier(Job.self)
            jobByReference = true
            shared.runHalf = { raw, half in Unmanaged<Job>.fromOpaque(raw).takeUnretainedValue().run(half: half) }
        }
        shared.job = UnsafeRawPointer(Unmanaged.passUnretained(job).toOpaque())
        shared.start.signal()
    }

    /// Waits for the half `start(_:)` started.
    func wait() {
        shared.done.wait()
        shared.job = nil
    }

    private func start() {
        started = true
        let shared = self.shared
        let thread = Thread {
            while true {
                shared.start.wait()
                if shared.stopping { return }
                if let job = shared.job, let runHalf = shared.runHalf { runHalf(job, 1) }
                shared.done.signal()
            }
        }
        thread.stackSize = 1 << 22
        thread.start()
    }

    deinit {
        guard started else { return }
        shared.stopping = true
        shared.start.signal()
    }
}
