/// The tool's version: `tcptrace-swift --version` and the JSON document's `version`, from here only.
public enum Version {
    public static let number = "0.9.0"
}
