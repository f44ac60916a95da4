import ArgumentParser

/// `--msl`: the maximum segment lifetime, which sets how long TIME_WAIT lasts (every subcommand that tracks
/// connections). A finite number of seconds: with an infinite one, TIME_WAIT records would never be freed.
struct LifetimeOption: ParsableArguments {
    @Option(help: "Maximum segment lifetime in seconds; TIME_WAIT lasts 2·MSL.")
    var msl: Double = 30

    @Option(
        help:
            "Seconds in CLOSE_WAIT (the peer's FIN received, own FIN not sent) beyond which close-wait-long is raised.")
    var closeWaitThreshold: Double = 1

    func validate() throws {
        guard msl > 0, msl.isFinite else { throw ValidationError("--msl must be a positive number of seconds") }
        guard closeWaitThreshold >= 0, closeWaitThreshold.isFinite else {
            throw ValidationError("--close-wait-threshold must be a number of seconds, 0 or more")
        }
    }

}
