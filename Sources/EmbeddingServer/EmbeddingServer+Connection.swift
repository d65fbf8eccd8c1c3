import Logging
import NIOCore
import WireProtocol

extension EmbeddingServer {
    /// Serves one connection until the peer closes it, sends something unreadable, or the
    /// server closes it. Requests run as child tasks, so many are in flight and answers go out
    /// as they are ready; closing the connection cancels the child tasks, which drops their
    /// queued inputs from the batcher.
    func serve(_ accepted: AcceptedConnection) async {
        let limits = configuration.limits
        let connection = accepted.channel
        let open: Int
        switch accepted.admission {
        case .success(let count):
            open = count
        case .failure(let refusal):
            let message = switch refusal {
            case .tooManyConnections(let open):
                "the server has \(open) connections open, the max_connections limit (\(limits.maxConnections))"
            case .tooManyFromAddress(let open):
                "\(accepted.address ?? "this address") has \(open) connections open, "
                    + "the max_connections_per_address limit (\(limits.maxConnectionsPerAddress))"
            }
            logger.debug("connection refused", metadata: ["reason": "\(message)"])
            try? await connection.executeThenClose { _, outbound in
                try await outbound.write(.failure(id: 0, code: .resourceExhausted, message: message))
            }
            return
        }
        metrics.connections(open)
        defer { metrics.connections(lifecycle.closeConnection(address: accepted.address)) }
        let activity = accepted.activity
        let budget = AnswerBudget(capacity: limits.maxAnswerBytesPerConnection, total: answerBytes)
        let client = ClientKey.next()
        do {
            try await connection.executeThenClose { inbound, outbound in
                await withDiscardingTaskGroup { group in
                    defer { group.cancelAll() }  // the connection is going: drop its queued work
                    do {
                        for try await frame in inbound {
                            let receivedAt = ContinuousClock.now
                            let request: Multiembed_V1_Request
                            do {
                                request = try Multiembed_V1_Request(frame: frame)
                            } catch let error as FrameError {
                                try? await outbound.write(error.errorResponse)
                                return
                            } catch {
                                return
                            }
                            guard activity.requestsInFlight.add(1, ordering: .relaxed).newValue <= limits.maxInFlightPerConnection else {
                                activity.requestsInFlight.subtract(1, ordering: .relaxed)
                                try? await outbound.write(.failure(
                                    id: request.id, code: .resourceExhausted,
                                    message: "the connection has \(limits.maxInFlightPerConnection) requests in flight, the max_in_flight_per_connection limit"))
                                continue
                            }
                            // Counted before the task starts: a request read before a shutdown
                            // began is served, not refused, however late its task runs.
                            let admission = self.core.admit()
                            group.addTask {
                                let reservation = AnswerReservation(budget: budget, client: client)
                                let context = RequestContext(
                                    apiKey: request.apiKey, receivedAt: receivedAt,
                                    deadline: RequestContext.deadline(milliseconds: request.deadlineMs, after: receivedAt),
                                    reservation: reservation)
                                let answer = await self.core.respond(
                                    to: request.body, isUnknown: request.hasUnknownBody, context: context, admission: admission)
                                let response = answer.response(id: request.id)
                                try? await outbound.write(response)
                                reservation.release()
                                self.metrics.answerBytesHeld(self.answerBytes.current)
                                activity.touch()
                                activity.requestsInFlight.subtract(1, ordering: .relaxed)
                                // Only now: a drain that sees no request in flight closes the
                                // connection, and the close must queue behind this write.
                                admission.end()
                                if response.status.code == .unauthenticated,
                                   activity.failedAuthentications.add(1, ordering: .relaxed).newValue
                                       >= limits.maxFailedAuthenticationsPerConnection
                                {
                                    // Closed after the answer: the client learns why.
                                    self.logger.notice(
                                        "closing a connection after repeated failed authentication",
                                        metadata: ["address": "\(accepted.address ?? "?")"])
                                    try? await connection.channel.close()
                                }
                            }
                        }
                    } catch let error as FrameError {
                        // A frame over the limit is answered; a stream cut inside a frame has no one to answer.
                        if case .frameTooLarge = error { try? await outbound.write(error.errorResponse) }
                        logger.debug("closing connection", metadata: ["reason": "\(error)"])
                    } catch {
                        logger.debug("connection error", metadata: ["error": "\(error)"])
                    }
                }
            }
        } catch {
            logger.debug("connection closed with error", metadata: ["error": "\(error)"])
        }
    }
}
