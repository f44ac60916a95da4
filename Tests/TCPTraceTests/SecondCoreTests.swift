import Foundation
import Testing

@testable import TCPTrace

/// `SecondCore` runs the two halves of a job at once, the second on its own thread, and returns only when
/// both are done.
@Suite struct SecondCoreTests {
    /// Each half adds its own numbers into its own slot, and notes the thread it ran on.
    private struct Sum: HalfJob {
        let slots: UnsafeMutableBufferPointer<Int>
        let threads: UnsafeMutableBufferPointer<pthread_t>
        let upTo: Int

        func run(half: Int) {
            threads[half] = pthread_self()
            for k in stride(from: half, through: upTo, by: 2) { slots[half] += k }
        }
    }

    @Test func bothHalvesAreDoneWhenRunReturns() {
        let core = SecondCore()
        var slots = [0, 0]
        var threads = [pthread_self(), pthread_self()]
        slots.withUnsafeMutableBufferPointer { slots in
            threads.withUnsafeMutableBufferPointer { threads in
                for round in 1...200 {
                    slots[0] = 0
                    slots[1] = 0
                    core.run(Sum(slots: slots, threads: threads, upTo: round))
                    // 0 + 2 + 4 + … and 1 + 3 + 5 + … up to `round`: together round·(round + 1) / 2.
                    let evens = (round / 2) * (round / 2 + 1)
                    #expect(slots[0] == evens && slots[1] == round * (round + 1) / 2 - evens)
                }
            }
        }
        #expect(pthread_equal(threads[0], pthread_self()) != 0)
        #expect(pthread_equal(threads[1], pthread_self()) == 0)
    }

    /// Its second half waits until the caller lets it go, at most 5 s: it is let go only after `start` returned.
    private final class Held: HalfJob, @unchecked Sendable {
        let letGo = DispatchSemaphore(value: 0)
        var wasLetGo = false
        var thread = pthread_self()

        func run(half: Int) {
            thread = pthread_self()
            wasLetGo = letGo.wait(timeout: .now() + 5) == .success
        }
    }

    @Test func startReturnsBeforeTheSecondHalfEndsAndWaitWaitsForIt() {
        let core = SecondCore()
        for _ in 1...20 {
            let job = Held()
            core.start(job)
            // (A `start` that ran the half before returning would have timed out waiting for this.)
            job.letGo.signal()
            core.wait()
            #expect(job.wasLetGo)
            #expect(pthread_equal(job.thread, pthread_self()) == 0)
        }
        // The same thread then runs both halves of a plain job again.
        var slots = [0, 0]
        var threads = [pthread_self(), pthread_self()]
        slots.withUnsafeMutableBufferPointer { slots in
            threads.withUnsafeMutableBufferPointer { threads in
                core.run(Sum(slots: slots, threads: threads, upTo: 10))
            }
        }
        #expect(slots == [30, 25])
    }
}
