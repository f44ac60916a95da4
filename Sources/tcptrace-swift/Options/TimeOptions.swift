import ArgumentParser
import TCPTrace

extension TimeFormat: ExpressibleByArgument {}

/// `-t/--time-format` and `--local-time` (`analyze`, `ladder`): how text outputs write times.
struct TimeOptions: ParsableArguments {
    @Option(
        name: [.customShort("t"), .customLong("time-format")],
        help: ArgumentHelp(
            "Times in text: relative (seconds since the first packet, the default), absolute (ISO 8601), epoch "
                + "(seconds since 1970) or delta (since the previous segment: timelines and ladders only)."))
    var format: TimeFormat = .relative

    @Flag(help: "Absolute times in the local time zone (TZ) instead of UTC.")
    var localTime = false
}
