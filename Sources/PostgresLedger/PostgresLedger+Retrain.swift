import Foundation
import Ledger

/// Retraining and status over every node's originals. Single-flight is the database's: a partial
/// unique index allows one row with `result = 'running'`, whichever node writes it.
extension PostgresLedger: RetrainLedger, StatusLedger, BalanceLedger {
    private static let runColumns = """
        id, trigger, started_at, ended_at, result, exit_code, signal, originals, variants, process_group, log_path, manifest_path
        """

    private static func run(_ row: PGRow) -> RetrainRunRecord {
        RetrainRunRecord(
            id: row.text(0), trigger: row.text(1), startedAt: row.double(2), endedAt: row.optionalDouble(3),
            result: RetrainResult(rawValue: row.text(4)) ?? .interrupted,
            exitCode: row.optionalInt(5).map(Int.init), signal: row.optionalInt(6).map(Int.init),
            originals: Int(row.int(7)), variants: Int(row.int(8)), processGroup: row.optionalInt(9).map(Int.init),
            logPath: row.text(10), manifestPath: row.text(11))
    }

    public func retrainState() throws(LedgerError) -> RetrainLedgerState {
        try withConnection { db throws(LedgerError) in
            var state = RetrainLedgerState()
            for row in try db.execute("""
                SELECT label, count(*) FROM originals WHERE status = 'done' AND trained_run IS NULL GROUP BY label
                """) {
                state.untrainedPerLabel[row.text(0)] = Int(row.int(1))
                state.untrainedOriginals += Int(row.int(1))
            }
            let times = try db.execute("""
                SELECT (SELECT max(updated_at) FROM originals WHERE status = 'done'),
                       (SELECT max(started_at) FROM retrain_runs),
                       (SELECT max(ended_at) FROM retrain_runs WHERE result = 'succeeded')
                """).first
            state.lastArrival = times?.optionalDouble(0)
            state.lastStart = times?.optionalDouble(1)
            state.lastSuccess = times?.optionalDouble(2)
            state.runningOnAnotherNode = try db.execute("""
                SELECT node FROM retrain_runs r WHERE result = 'running' AND node <> $1 AND \(Self.isLive("r.node"))
                """, [.text(node)]).first?.text(0)
            return state
        }
    }

    public func untrainedOriginals() throws(LedgerError) -> [UntrainedOriginal] {
        try untrained(originalCondition: "o.trained_run IS NULL", variantCondition: "TRUE")
    }

    public func untrainedVariantsOfTrainedOriginals() throws(LedgerError) -> [UntrainedOriginal] {
        try untrained(originalCondition: "o.trained_run IS NOT NULL", variantCondition: "v.trained_run IS NULL", variantsOnly: true)
    }

    private func untrained(originalCondition: String, variantCondition: String, variantsOnly: Bool = false)
        throws(LedgerError) -> [UntrainedOriginal]
    {
        try withConnection { db throws(LedgerError) in
            var out = [UntrainedOriginal]()
            var index = [Int64: Int]()
            let originals = try db.execute("""
                SELECT o.id, o.hash, o.label, o.split, o.inbox, o.source_name, o.original_path, o.updated_at FROM originals o
                WHERE o.status = 'done' AND \(originalCondition)
                \(variantsOnly ? "AND EXISTS (SELECT 1 FROM variants v WHERE v.original_id = o.id AND \(variantCondition))" : "")
                ORDER BY o.id
                """)
            for row in originals {
                index[row.int(0)] = out.count
                out.append(UntrainedOriginal(id: row.int(0), hash: row.text(1), label: row.text(2), split: row.text(3),
                                             inbox: row.text(4), sourceName: row.text(5), path: row.text(6),
                                             doneAt: row.double(7), variants: []))
            }
            for row in try db.execute("""
                SELECT v.original_id, v.k, v.path, v.format, v.parameters FROM variants v JOIN originals o ON o.id = v.original_id
                WHERE o.status = 'done' AND \(originalCondition) AND \(variantCondition) ORDER BY v.original_id, v.k
                """) {
                guard let i = index[row.int(0)] else { continue }
                out[i].variants.append(VariantRecord(index: Int(row.int(1)), path: row.text(2), format: row.text(3),
                                                     parametersJSON: row.text(4)))
            }
            return out
        }
    }

    public func labelTotals() throws(LedgerError) -> [String: (train: Int, val: Int, variants: Int)] {
        try withConnection { db throws(LedgerError) in
            var out = [String: (train: Int, val: Int, variants: Int)]()
            for row in try db.execute("""
                SELECT o.label, count(*) FILTER (WHERE o.split = 'train'), count(*) FILTER (WHERE o.split = 'val'),
                       (SELECT count(*) FROM variants v JOIN originals o2 ON o2.id = v.original_id
                        WHERE o2.label = o.label AND o2.status = 'done')
                FROM originals o WHERE o.status = 'done' GROUP BY o.label
                """) {
                out[row.text(0)] = (Int(row.int(1)), Int(row.int(2)), Int(row.int(3)))
            }
            return out
        }
    }

    /// Records the run as started; refused (`heldBy` set) while any node's run is running.
    public func startRun(id: String, trigger: String, startedAt: Double, originalIDs: [Int64], variants: Int,
                         variantKeys: [(originalID: Int64, k: Int)], logPath: String, manifestPath: String) throws(LedgerError) {
        do {
            try transaction { db throws(LedgerError) in
                try db.execute("""
                    INSERT INTO retrain_runs (id, node, trigger, started_at, result, originals, variants, log_path, manifest_path)
                    VALUES ($1, $2, $3, $4, 'running', $5, $6, $7, $8)
                    """, [.text(id), .text(node), .text(trigger), .real(startedAt), .integer(Int64(originalIDs.count)),
                          .integer(Int64(variants)), .text(logPath), .text(manifestPath)])
                // One statement per table: unnest the id lists.
                try db.execute("""
                    INSERT INTO retrain_run_originals (run_id, original_id) SELECT $1, unnest($2::bigint[])
                    """, [.text(id), .text(Self.array(originalIDs))])
                try db.execute("""
                    INSERT INTO retrain_run_variants (run_id, original_id, k)
                    SELECT $1, o, k FROM unnest($2::bigint[], $3::int[]) AS t(o, k) ON CONFLICT DO NOTHING
                    """, [.text(id), .text(Self.array(variantKeys.map(\.originalID))), .text(Self.array(variantKeys.map { Int64($0.k) }))])
                // The manifest was read before this run held the running slot: a run of another node
                // that ended in between may have trained some of its originals. Then it is stale.
                let stale = try db.execute("""
                    SELECT count(*) FROM originals WHERE id = ANY($1::bigint[]) AND trained_run IS NOT NULL
                    """, [.text(Self.array(originalIDs))]).first?.int(0) ?? 0
                if stale > 0 {
                    throw LedgerError(operation: "start run",
                                      message: "\(stale) of the manifest's originals were trained by a run that just ended",
                                      code: 0, sqlState: "40001", heldBy: "another node (its run just ended)")
                }
            }
        } catch {
            if error.sqlState == "40001" { throw error }
            guard error.sqlState == "23505" else { throw error }
            let holder = (try? withConnection { db throws(LedgerError) in
                try db.execute("SELECT node, id FROM retrain_runs WHERE result = 'running'").first.map { "\($0.text(0)) (\($0.text(1)))" }
            }) ?? nil
            throw LedgerError(operation: "start run", message: "a retrain run is already running on node \(holder ?? "?")",
                              code: 0, sqlState: "23505", heldBy: holder ?? "another node")
        }
    }

    public func setRunProcessGroup(id: String, processGroup: Int32) throws(LedgerError) {
        try withConnection { db throws(LedgerError) in
            try db.execute("UPDATE retrain_runs SET process_group = $1 WHERE id = $2", [.integer(Int64(processGroup)), .text(id)])
        }
    }

    public func finishRun(id: String, result: RetrainResult, exitCode: Int32?, signal: Int32?, endedAt: Double) throws(LedgerError) {
        try transaction { db throws(LedgerError) in
            let ended = try db.execute("""
                UPDATE retrain_runs SET result = $1, exit_code = $2, signal = $3, ended_at = $4
                WHERE id = $5 AND result = 'running' RETURNING id
                """, [.text(result.rawValue), exitCode.map { .integer(Int64($0)) } ?? .null,
                      signal.map { .integer(Int64($0)) } ?? .null, .real(endedAt), .text(id)])
            guard result == .succeeded, ended.count == 1 else { return }
            try db.execute("""
                UPDATE originals SET trained_run = $1
                WHERE trained_run IS NULL AND id IN (SELECT original_id FROM retrain_run_originals WHERE run_id = $1)
                """, [.text(id)])
            try db.execute("""
                UPDATE variants v SET trained_run = $1 FROM retrain_run_variants r
                WHERE v.trained_run IS NULL AND r.run_id = $1 AND r.original_id = v.original_id AND r.k = v.k
                """, [.text(id)])
        }
    }

    /// Runs recorded as running by this node (after a crash) or by a node whose lease ran out.
    public func runningRuns() throws(LedgerError) -> [RetrainRunRecord] {
        try withConnection { db throws(LedgerError) in
            try db.execute("""
                SELECT \(Self.runColumns) FROM retrain_runs r
                WHERE result = 'running' AND (node = $1 OR NOT \(Self.isLive("r.node"))) ORDER BY started_at
                """, [.text(node)]).map(Self.run)
        }
    }

    public func recentRuns(limit: Int) throws(LedgerError) -> [RetrainRunRecord] {
        try withConnection { db throws(LedgerError) in
            try db.execute("SELECT \(Self.runColumns) FROM retrain_runs ORDER BY started_at DESC, id DESC LIMIT $1",
                           [.integer(Int64(limit))]).map(Self.run)
        }
    }

    public func runCounts() throws(LedgerError) -> [String: Int] {
        try withConnection { db throws(LedgerError) in
            var out = [String: Int]()
            for row in try db.execute("SELECT result, count(*) FROM retrain_runs GROUP BY result") { out[row.text(0)] = Int(row.int(1)) }
            return out
        }
    }

    /// Per (inbox, label), over every node: originals, pending, variants, events and blocked files.
    public func summary() throws(LedgerError) -> [LedgerSummary] {
        try withConnection { db throws(LedgerError) in
            var rows: [String: LedgerSummary] = [:]
            func key(_ inbox: String, _ label: String) -> String { "\(inbox)\u{0}\(label)" }
            for row in try db.execute("""
                SELECT o.inbox, o.label, count(*) FILTER (WHERE o.status = 'done'), count(*) FILTER (WHERE o.status = 'processing'),
                       (SELECT count(*) FROM variants v JOIN originals o2 ON v.original_id = o2.id
                        WHERE o2.inbox = o.inbox AND o2.label = o.label)
                FROM originals o GROUP BY o.inbox, o.label
                """) {
                var s = LedgerSummary(inbox: row.text(0), label: row.text(1))
                s.originals = Int(row.int(2))
                s.pending = Int(row.int(3))
                s.variants = Int(row.int(4))
                rows[key(s.inbox, s.label)] = s
            }
            for row in try db.execute("""
                SELECT g.inbox, g.label, g.kind, g.n,
                       (SELECT reason FROM events e2 WHERE e2.inbox = g.inbox AND COALESCE(e2.label, '') = g.label
                        AND e2.kind = 'failed' ORDER BY e2.id DESC LIMIT 1)
                FROM (SELECT inbox, COALESCE(label, '') AS label, kind, count(*) AS n FROM events GROUP BY 1, 2, 3) g
                """) {
                let k = key(row.text(0), row.text(1))
                var s = rows[k] ?? LedgerSummary(inbox: row.text(0), label: row.text(1))
                s.events[EventKind(rawValue: row.text(2)) ?? .failed, default: 0] += Int(row.int(3))
                if let last = row.optionalText(4) { s.lastError = last }
                rows[k] = s
            }
            for row in try db.execute("""
                SELECT g.inbox, g.label, g.n,
                       (SELECT reason FROM blocked_files b2 WHERE b2.inbox = g.inbox
                        AND COALESCE(b2.label, '') = g.label ORDER BY since DESC LIMIT 1)
                FROM (SELECT inbox, COALESCE(label, '') AS label, count(*) AS n FROM blocked_files GROUP BY 1, 2) g
                """) {
                let k = key(row.text(0), row.text(1))
                var s = rows[k] ?? LedgerSummary(inbox: row.text(0), label: row.text(1))
                s.blocked = Int(row.int(2))
                s.blockedReason = row.optionalText(3)
                rows[k] = s
            }
            return rows.values.sorted { ($0.inbox, $0.label) < ($1.inbox, $1.label) }
        }
    }

    public func failureClasses() throws(LedgerError) -> [FailureClass: Int] {
        try withConnection { db throws(LedgerError) in
            var out = [FailureClass: Int]()
            for row in try db.execute("SELECT reason_class, count(*) FROM events WHERE kind = 'failed' GROUP BY reason_class") {
                out[FailureClass(rawValue: row.optionalText(0) ?? "") ?? .other, default: 0] += Int(row.int(1))
            }
            return out
        }
    }

    /// A PostgreSQL ledger is never rebuilt from a tree; `ledger migrate` imports are not rebuilds.
    public func lastRebuild() throws(LedgerError) -> LedgerRebuild? { nil }

    public func balanceCandidates() throws(LedgerError) -> [BalanceCandidate] {
        try withConnection { db throws(LedgerError) in
            let columns = Self.originalColumns.split(separator: ",").map { "o." + $0.trimmingCharacters(in: .whitespaces) }
                .joined(separator: ", ")
            return try db.execute("""
                SELECT \(columns), count(v.k), COALESCE(max(v.k), 0)
                FROM originals o LEFT JOIN variants v ON v.original_id = o.id
                WHERE o.status = 'done' AND o.split = 'train' GROUP BY o.id ORDER BY o.id
                """).map { row in
                BalanceCandidate(record: Self.original(row), variantCount: Int(row.int(13)), highestVariant: Int(row.int(14)))
            }
        }
    }

    public func addVariants(originalID: Int64, _ variants: [VariantRecord]) throws(LedgerError) {
        try transaction { db throws(LedgerError) in
            for v in variants {
                try db.execute("""
                    INSERT INTO variants (original_id, k, path, format, parameters) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING
                    """, [.integer(originalID), .integer(Int64(v.index)), .text(v.path), .text(v.format), .text(v.parametersJSON)])
            }
        }
    }

    /// `{1,2,3}`: a PostgreSQL array literal of integers.
    static func array(_ values: [Int64]) -> String { "{" + values.map(String.init).joined(separator: ",") + "}" }
}
