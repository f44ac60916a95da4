#if canImport(Glibc)
import Glibc
#endif

/// Connection storage: the one corner of Track that manages memory by hand. Everything in this folder
/// (`ConnectionCells`, the TIME_WAIT table and its records, the compact optionals) holds to these invariants,
/// and nothing outside it allocates, frees or reinterprets connection memory:
///
/// 1. A cell (one `Connection`) is allocated once, by `grow()`, in a block (`blockSize` cells, then regions of
///    `regionBytes`), and deallocated only in `deinit`, with its block: a freed slot keeps its cell for the next
///    connection, so a trace allocates as many cells as it ever holds connections at once (rounded up to a whole
///    block) and never copies a connection to grow (an array of inline connections doubled its storage and held
///    old and new copies while growing).
/// 2. `occupied[slot]` is true exactly while the cell holds an initialized connection: `put` initializes an
///    empty cell, `take` moves the connection out and leaves the cell empty; `lend` (a batch rendered on
///    two threads: `Tracker.lendFinalized`, `Tracker.lendOpen`) leaves the connection where it is, in the
///    caller's charge, for it to move out (`LentConnection.take`) before the slot is used again;
///    `deinit` deinitializes the occupied ones before freeing every cell.
/// 3. The owner is `~Copyable` (the `Tracker`), so no two owners ever share cells: a pointer from `cells` is
///    valid until the owner's `deinit`, and the tracker reads and changes connections through it in place
///    (copying a connection out would retain and release its arrays on every packet).
/// 4. Compact stored forms use sentinels that real values never take: `Int.min` for a missing frame,
///    `Int64.min` nanoseconds for a missing timestamp, 0 for "no TIME_WAIT" in a `TimeWaitRecord`; the
///    TIME_WAIT table's slots hold position + 1, 0 being empty.
struct ConnectionCells: ~Copyable {
    /// The cell of each slot; read through the pointer, in place.
    private var cells: [UnsafeMutablePointer<Connection>] = []
    /// Whether each cell holds a connection.
    private var occupied: [Bool] = []
    /// The blocks the cells lie in, each holding `capacity` cells, the last one filled up to `cells.count`.
    private var blocks: [(cells: UnsafeMutablePointer<Connection>, capacity: Int)] = []
    /// Cells allocated at once at first (one allocation per 64 connections held, not one each: at the peak of a
    /// trace of short connections the held set grows slowly and each new cell was a heap allocation, issue 21).
    static let blockSize = 64
    /// Past the first block, cells come in regions of this many bytes (about 900 cells), aligned to it and
    /// advised as huge pages (`MADV_HUGEPAGE`, which the kernel honours when transparent huge pages are set to
    /// `madvise` or `always`). A trace of short connections holds tens of thousands at once (each lingers a
    /// second after its close), and the first touch of each 4 KiB page of their cells was a page fault:
    /// 36,000 faults and a quarter of all samples in the kernel's page clearing on the benchmark's
    /// 50,000-connection mix (docs/performance.md, session 13, has the measured gain). A trace that never holds
    /// more than 64 connections at once never allocates a region.
    static let regionBytes = 2 << 20

    init() {}

    /// Cells allocated: the most connections held at once so far.
    var count: Int { cells.count }

    /// The cell of `slot` (which must exist).
    @inline(__always)
    subscript(slot: Int) -> UnsafeMutablePointer<Connection> { cells[slot] }

    /// A new empty cell at the end; returns its slot.
    mutating func grow() -> Int {
        if blocks.isEmpty {
            blocks.append((.allocate(capacity: ConnectionCells.blockSize), ConnectionCells.blockSize))
        } else if used == blocks[blocks.count - 1].capacity {
            blocks.append(ConnectionCells.region())
            used = 0
        }
        cells.append(blocks[blocks.count - 1].cells + used)
        used += 1
        occupied.append(false)
        return cells.count - 1
    }

    /// Cells used in the last block.
    private var used = 0

    /// A region of `regionBytes`, aligned to its size and advised as huge pages (an ordinary block if the
    /// aligned allocation fails; the advice is only advice, and its failure changes nothing else).
    private static func region() -> (cells: UnsafeMutablePointer<Connection>, capacity: Int) {
        let capacity = regionBytes / MemoryLayout<Connection>.stride
        #if canImport(Glibc)
        var raw: UnsafeMutableRawPointer?
        if posix_memalign(&raw, regionBytes, regionBytes) == 0, let raw {
            _ = madvise(raw, regionBytes, MADV_HUGEPAGE)
            return (raw.bindMemory(to: Connection.self, capacity: capacity), capacity)
        }
        #endif
        return (.allocate(capacity: capacity), capacity)
    }

    /// Puts `connection` into the empty cell of `slot`.
    mutating func put(_ connection: consuming Connection, at slot: Int) {
        precondition(!occupied[slot], "ConnectionCells: slot \(slot) already holds a connection")
        cells[slot].initialize(to: consume connection)
        occupied[slot] = true
    }

    /// Moves the connection out of `slot`, leaving the cell empty.
    mutating func take(_ slot: Int) -> Connection {
        precondition(occupied[slot], "ConnectionCells: slot \(slot) is empty")
        occupied[slot] = false
        return cells[slot].move()
    }

    /// Hands over the connection in `slot` where it lies: the cell counts as empty from now on, and the caller
    /// must take the connection out (`LentConnection.take`) before the slot is used again or the cells go.
    /// For a batch rendered on two threads (`Tracker.lendFinalized`, `Tracker.lendOpen`): each takes out,
    /// renders and counts its half, instead of the tracking thread taking every one out for them.
    mutating func lend(_ slot: Int) -> LentConnection {
        precondition(occupied[slot], "ConnectionCells: slot \(slot) is empty")
        occupied[slot] = false
        return LentConnection(cell: cells[slot])
    }

    deinit {
        for slot in cells.indices where occupied[slot] { cells[slot].deinitialize(count: 1) }
        // (`deallocate` frees with `free`, as `posix_memalign`'s memory must be.)
        for block in blocks { block.cells.deallocate() }
    }
}

/// A connection left in its cell, no longer the cells' (`ConnectionCells.lend`): `take` moves it out, once,
/// on whichever thread its holder runs.
struct LentConnection {
    fileprivate let cell: UnsafeMutablePointer<Connection>

    /// The connection, moved out of its cell (to be called exactly once).
    func take() -> Connection { cell.move() }
}
