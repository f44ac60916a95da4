import PcapSynth

enum Anomaly: Int, CaseIterable { case none, reset, synRetransmit, finRetransmit, notClosed }
