import ArgumentParser

/// `--msl`: the maximum segment lifetime, which sets how long TIME_WAIT lasts (`analyze`, `check`, `ladder`,
/// `report`; `live` has its own, checked together with its other limits).
struct LifetimeOption: ParsableArguments {
    @Option(help: "Maximum segment lifetime in seconds; TIME_WAIT lasts 2·MSL.")
    var msl: Double = 30

    func validate() throws {
        guard msl > 0, msl.isFinite else { throw ValidationError("--msl must be a positive number of seconds") }
    }
}
