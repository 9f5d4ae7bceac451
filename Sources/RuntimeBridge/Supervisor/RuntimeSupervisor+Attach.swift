/// Attach mode: the runtime belongs to someone else, so the supervisor only probes it: starting
/// until it first accepts, ready while it accepts, restarting while it does not.
extension RuntimeSupervisor {
    func handleAttachEvent(_ event: Event, endpoint: RuntimeEndpoint) {
        switch event {
        case .start:
            state = .watching
            logger.info("attaching to a runtime started elsewhere; waiting until it accepts connections",
                        metadata: ["url": "\(endpoint.url)"])
            startAttachedProbe(endpoint)
        case let .attachedProbe(accepting):
            guard state == .watching else { return }
            if accepting && snapshot.phase != .ready {
                if everReady { snapshot.restarts += 1 }
                everReady = true
                becomeReady(endpoint: endpoint, after: nil)
            } else if !accepting && snapshot.phase == .ready {
                let message = "the runtime at \(endpoint.url) stopped accepting connections"
                logger.warning("the attached runtime stopped accepting connections; waiting for it to come back (it is not ours to restart)", metadata: ["url": "\(endpoint.url)"])
                incarnation = nil
                failureDescription = message
                snapshot.lastError = message
                snapshot.phase = .restarting
                publish()
            }
        case let .restartRequested(reason):
            guard state == .watching else { return }
            logger.warning("restart requested, but the attached runtime was not launched by this server and cannot be restarted; it counts as a new incarnation once it accepts connections",
                           metadata: ["reason": "\(reason)", "url": "\(endpoint.url)"])
            if snapshot.phase == .ready {
                incarnation = nil
                snapshot.phase = .restarting
                publish()
            }
        case .stopRequested:
            enterStopped()
        case .process, .accepting, .startupTimedOut, .backoffElapsed:
            break
        }
    }

    /// Probes forever: quickly while down, every `attachedCheckInterval` while up. Every result
    /// is posted, so a restart request turns into a new incarnation at the next success.
    private func startAttachedProbe(_ endpoint: RuntimeEndpoint) {
        let sink = eventSink
        let downInterval = options.readinessPollInterval
        let upInterval = options.attachedCheckInterval
        addGenerationTask {
            while !Task.isCancelled {
                let accepting = await TCPProbe.accepts(endpoint)
                sink.yield(.attachedProbe(accepting: accepting))
                do { try await Task.sleep(for: accepting ? upInterval : downInterval) } catch { return }
            }
        }
    }
}
