import ArgumentParser
import TCPTrace

/// `--connection N` as a selector (`extract`): the connections with these ids, as `analyze` numbers them.
/// (`analyze --connection` prints timelines instead; a selector group that shares this one would add
/// `ids` to its `ConnectionSelection` the same way.)
struct ConnectionIDOption: ParsableArguments {
    @Option(
        name: .customLong("connection"),
        help: ArgumentHelp(
            "Choose the connection with this id, as analyze numbers them (repeatable).", valueName: "id"))
    var ids: [Int] = []

    func validate() throws {
        for id in ids where id < 1 { throw ValidationError("--connection \(id): connection ids start at 1") }
    }

    /// `selection` narrowed to these ids (unchanged when none are given).
    func narrowing(_ selection: ConnectionSelection) -> ConnectionSelection {
        var selection = selection
        selection.ids = Set(ids)
        return selection
    }
}
