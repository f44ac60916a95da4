import ArgumentParser

/// `--verify-checksums`: check IPv4 header and TCP checksums (analyze, check, ladder, report); a segment with a
/// wrong one is counted and not used for state (docs/output.md).
struct ChecksumOption: ParsableArguments {
    @Flag(
        help: ArgumentHelp(
            "Check IPv4 header and TCP checksums: a segment with a wrong one is counted and not used for state "
                + "(off by default: locally sent packets are captured before the NIC fills in the checksum)."))
    var verifyChecksums = false
}
