/// Owns the memory of the tracker's connections: one cell (a single `Connection`, allocated once) per slot.
///
/// A freed slot keeps its cell for the next connection, so a trace allocates as many cells as it ever holds
/// connections at once, and never copies a connection to grow (an array of inline connections, 1.7 kB each,
/// doubled its storage and held old and new copies while growing). The tracker reaches cells through its own
/// array of pointers, so the per-packet path touches no class property; this object exists to free the
/// cells and to give a copied tracker its own connections.
final class ConnectionCells {
    private(set) var cells: [UnsafeMutablePointer<Connection>] = []
    /// Whether each cell holds a connection.
    private var occupied: [Bool] = []

    init() {}

    /// A new empty cell, at the end.
    func grow() -> UnsafeMutablePointer<Connection> {
        let cell = UnsafeMutablePointer<Connection>.allocate(capacity: 1)
        cells.append(cell)
        occupied.append(false)
        return cell
    }

    func put(_ connection: consuming Connection, at slot: Int) {
        cells[slot].initialize(to: connection)
        occupied[slot] = true
    }

    func take(_ slot: Int) -> Connection {
        occupied[slot] = false
        return cells[slot].move()
    }

    /// Cells with the same connections, for a tracker that was copied before being changed.
    func copy() -> ConnectionCells {
        let other = ConnectionCells()
        for slot in cells.indices {
            _ = other.grow()
            if occupied[slot] { other.put(cells[slot].pointee, at: slot) }
        }
        return other
    }

    deinit {
        for slot in cells.indices {
            if occupied[slot] { cells[slot].deinitialize(count: 1) }
            cells[slot].deallocate()
        }
    }
}
