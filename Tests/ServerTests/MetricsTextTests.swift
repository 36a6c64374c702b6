import Testing
@testable import Server

@Suite("Prometheus text of the member's metrics")
struct MetricsTextTests {
    @Test("etcd's exponential buckets run from 1 ms to 8.192 s and print as Go prints them")
    func exponentialBuckets() {
        let bounds = Histogram.exponentialBuckets(start: 0.001, factor: 2, count: 14)
        #expect(bounds.map(PrometheusText.format) == ["0.001", "0.002", "0.004", "0.008", "0.016", "0.032", "0.064", "0.128",
                                                       "0.256", "0.512", "1.024", "2.048", "4.096", "8.192"])
        #expect(Histogram.exponentialBuckets(start: 1, factor: 2, count: 4).map(PrometheusText.format) == ["1", "2", "4", "8"])
    }

    @Test("a histogram counts each observation in the first bucket that holds it and renders cumulative buckets ending in +Inf")
    func histogramText() {
        var histogram = Histogram(upperBounds: [0.5, 1, 2])
        for value in [0.25, 0.5, 0.75, 3, 100] { histogram.observe(value) }
        #expect(histogram.bucketCounts == [2, 1, 0, 2])
        #expect(histogram.cumulativeCounts == [2, 3, 3, 5])
        var page = PrometheusText()
        page.histogram("x_seconds", "How long x took.", histogram)
        #expect(page.text == """
            # HELP x_seconds How long x took.
            # TYPE x_seconds histogram
            x_seconds_bucket{le="0.5"} 2
            x_seconds_bucket{le="1"} 3
            x_seconds_bucket{le="2"} 3
            x_seconds_bucket{le="+Inf"} 5
            x_seconds_sum 104.5
            x_seconds_count 5

            """)
    }

    @Test("gauges and counters carry their type; label values are escaped")
    func gaugesCountersAndLabels() {
        var page = PrometheusText()
        page.gauge("g", "A gauge.", 3)
        page.counter("c_total", "A counter.", UInt64(7))
        page.counter("l_total", "Labelled.", samples: [([("a", "x\"y"), ("b", "back\\slash\nline")], 2)])
        #expect(page.text == """
            # HELP g A gauge.
            # TYPE g gauge
            g 3
            # HELP c_total A counter.
            # TYPE c_total counter
            c_total 7
            # HELP l_total Labelled.
            # TYPE l_total counter
            l_total{a="x\\"y",b="back\\\\slash\\nline"} 2

            """)
    }

    @Test("the run loop's figures render under etcd's names: leader changes count new leaders, not their loss")
    func nodeMetrics() {
        let metrics = NodeMetrics()
        metrics.recordTurn(leader: 1, proposalsPending: 3)
        metrics.recordTurn(leader: 0, proposalsPending: 0)
        metrics.recordTurn(leader: 2, proposalsPending: 1)
        metrics.recordTurn(leader: 2, proposalsPending: 0)
        metrics.recordLogSave(seconds: 0.003, entries: 57, slow: false)
        metrics.recordLogSave(seconds: 1.5, entries: 0, slow: true)
        metrics.recordApply(seconds: 0.2, slow: true)
        metrics.recordFailedProposal()
        var page = PrometheusText()
        metrics.render(into: &page)
        let text = page.text
        #expect(text.contains("\netcd_server_leader_changes_seen_total 2\n"), "\(text)")
        #expect(text.contains("\netcd_server_proposals_pending 0\n"))
        #expect(text.contains("\netcd_server_proposals_failed_total 1\n"))
        #expect(text.contains("\netcd_server_slow_apply_total 1\n"))
        #expect(text.contains("\nconcord_disk_slow_log_saves_total 1\n"))
        #expect(text.contains("\netcd_disk_wal_fsync_duration_seconds_bucket{le=\"0.004\"} 1\n"))
        #expect(text.contains("\netcd_disk_wal_fsync_duration_seconds_bucket{le=\"1.024\"} 1\n"))
        #expect(text.contains("\netcd_disk_wal_fsync_duration_seconds_bucket{le=\"2.048\"} 2\n"))
        #expect(text.contains("\netcd_disk_wal_fsync_duration_seconds_count 2\n"))
        #expect(text.contains("\netcd_disk_backend_commit_duration_seconds_count 1\n"))
        // A hard state saved alone is a sync but no batch.
        #expect(text.contains("\nconcord_raft_batch_entries_bucket{le=\"64\"} 1\n"))
        #expect(text.contains("\nconcord_raft_batch_entries_count 1\n"))
    }
}
