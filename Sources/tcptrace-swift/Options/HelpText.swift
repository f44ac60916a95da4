import ArgumentParser

/// A subcommand's help line for an option shared through an option group: the option means the same in each
/// subcommand, the words suit the subcommand.
protocol HelpText {
    static var text: ArgumentHelp { get }
}
