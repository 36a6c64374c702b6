import Testing
@testable import Server

@Suite("The processors a member may run on")
struct UsableProcessorsTests {
    @Test("the Cpus_allowed mask of /proc/self/status counts its set bits across comma-separated words")
    func mask() {
        #expect(UsableProcessors.allowedInStatus("Name:\tconcord\nCpus_allowed:\t3\nCpus_allowed_list:\t0-1\n") == 2)
        #expect(UsableProcessors.allowedInStatus("Cpus_allowed:\t1\n") == 1)
        #expect(UsableProcessors.allowedInStatus("Cpus_allowed:\tff,00000001\n") == 9)
        #expect(UsableProcessors.allowedInStatus("Name:\tconcord\n") == nil)
        #expect(UsableProcessors.allowedInStatus("Cpus_allowed:\tzz\n") == nil)
    }
}
