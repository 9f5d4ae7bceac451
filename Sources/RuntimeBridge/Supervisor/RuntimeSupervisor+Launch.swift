import Logging

/// Launch mode: start the tokenizer (if any) and then the runtime as one generation; any exit,
/// a startup timeout or a restart request ends the whole generation before the next starts, so
/// the fixed ports are free again and the runtime never talks to a stale tokenizer.
extension RuntimeSupervisor {
    func handleLaunchEvent(_ event: Event, runtime: ProcessSpec, tokenizer: ProcessSpec?) async {
        switch event {
        case .start:
            await beginGeneration()
        case let .process(generation, role, processEvent):
            guard generation == self.generation else { return }
            handleProcessEvent(processEvent, role: role)
            if case .ended = processEvent { await childEnded(role: role) }
        case let .accepting(generation, role):
            guard generation == self.generation, state == .launching(role: role),
                  let child = children[role], child.ended == nil else { return }
            children[role]?.accepting = true
            if role == runtime.role {
                state = .running
                everReady = true
                cancelGenerationTasks() // the startup timer
                becomeReady(endpoint: child.endpoint, after: elapsedInGeneration)
            } else {
                logger.info("program accepting connections; launching the runtime", metadata: [
                    "program": "\(role)", "after": "\(elapsedInGeneration.readable)", "url": "\(child.endpoint.url)"])
                await launch(runtime)
            }
        case let .startupTimedOut(generation):
            guard generation == self.generation, case let .launching(role) = state else { return }
            let url = children[role]?.endpoint.url ?? role
            let failure = "\(role) did not accept connections at \(url) within \(options.startupTimeout.readable)"
            logger.error("program did not start in time; stopping it", metadata: [
                "failure": "\(failure)", "last_lines": lastLinesValue(of: role)])
            await fail(with: failure + lastLines(of: role))
        case let .backoffElapsed(generation):
            guard generation == self.generation, state == .backingOff else { return }
            await beginGeneration()
        case let .restartRequested(reason):
            switch state {
            case .launching, .running:
                logger.warning("restarting the runtime on request", metadata: ["reason": "\(reason)"])
                snapshot.phase = .restarting
                incarnation = nil
                publish()
                await terminateGeneration(then: .relaunch(reason: reason))
            case .backingOff, .failed:
                logger.warning("restarting the runtime on request, now", metadata: ["reason": "\(reason)"])
                if state == .failed { history.reset() }
                cancelGenerationTasks()
                await beginGeneration()
            case .idle, .terminating, .watching, .stopped:
                break
            }
        case .stopRequested:
            logger.info("stopping the runtime")
            snapshot.phase = .stopped
            incarnation = nil
            publish()
            failWaiters(with: .unavailable("the runtime has been stopped (the server is shutting down)"))
            await terminateGeneration(then: .stop)
        case .attachedProbe:
            break
        }
    }

    /// A new generation: the tokenizer first when there is one, else the runtime.
    private func beginGeneration() async {
        guard case let .launch(runtime, tokenizer) = plan.mode else { return }
        generation += 1
        generationStartedAt = .now
        children.removeAll()
        if generation > 1 { snapshot.restarts += 1 }
        snapshot.phase = generation > 1 ? .restarting : .starting
        publish()
        if plan.emulated {
            logger.warning("launching the BUILT-IN EMULATOR instead of the NPU runtime: no NPU is used")
        }
        schedule(.startupTimedOut(generation: generation), after: options.startupTimeout)
        await launch(tokenizer ?? runtime)
    }

    /// Starts one program; a busy fixed port or no free port fails the generation at once.
    private func launch(_ spec: ProcessSpec) async {
        state = .launching(role: spec.role)
        var chosenEndpoint = spec.endpoint
        var extraArguments: [String] = []
        if let flag = spec.dynamicPortFlag {
            do {
                chosenEndpoint.port = try await FreePort.pick(host: chosenEndpoint.host)
            } catch {
                await failBeforeLaunch("no free local port for the \(spec.role): \(error)")
                return
            }
            extraArguments = [flag, "\(chosenEndpoint.port)"]
        } else if await TCPProbe.accepts(chosenEndpoint) {
            await failBeforeLaunch("something else already accepts connections at \(chosenEndpoint.url), so the "
                + "\(spec.role) could not listen there (another runtime still running? "
                + "`ss -ltnp | grep :\(chosenEndpoint.port)` names the process); not launching it")
            return
        }
        let endpoint = chosenEndpoint
        let environment = spec.environment.keys.sorted().map { "\($0)=\(spec.environment[$0] ?? "")" }
        let command = ([spec.commandLine] + extraArguments).joined(separator: " ")
        var launchMetadata: Logger.Metadata = ["program": "\(spec.role)", "command": "\(command)"]
        if let directory = spec.workingDirectory { launchMetadata["directory"] = "\(directory)" }
        if !environment.isEmpty { launchMetadata["env"] = "\(environment.joined(separator: " "))" }
        logger.info("launching program", metadata: launchMetadata)

        let process = ManagedProcess(spec: spec, extraArguments: extraArguments,
                                     terminationGrace: options.terminationGrace)
        children[spec.role] = Child(spec: spec, endpoint: endpoint, process: process, launchedAt: .now,
                                    tail: OutputTail(capacity: options.retainedLines))
        let sink = eventSink
        let generation = self.generation
        let role = spec.role
        // Not a generation task: it must deliver `.ended` even after the others are cancelled.
        Task {
            for await event in process.events { sink.yield(.process(generation: generation, role: role, event)) }
        }
        let interval = options.readinessPollInterval
        addGenerationTask {
            while !Task.isCancelled {
                if await TCPProbe.accepts(endpoint) {
                    sink.yield(.accepting(generation: generation, role: role))
                    return
                }
                do { try await Task.sleep(for: interval) } catch { return }
            }
        }
    }

    private func failBeforeLaunch(_ failure: String) async {
        logger.error("not launching the runtime", metadata: ["failure": "\(failure)"])
        await fail(with: failure)
    }

    /// Publishes the failure at once (the engine quotes `lastFailure()` to callers whose request
    /// just broke), then ends the generation; the failure is counted once everything has ended.
    private func fail(with failure: String) async {
        failureDescription = failure
        snapshot.lastError = failure
        if state == .running {
            snapshot.phase = .restarting
            incarnation = nil
        }
        publish()
        await terminateGeneration(then: .recover(failure: failure))
    }

    /// A program of this generation ended: expected while terminating, a failure otherwise.
    private func childEnded(role: String) async {
        guard let child = children[role], let end = child.ended else { return }
        let pid = child.pid.map { "pid \($0)" } ?? "never started"
        let lifetime = (ContinuousClock.now - child.launchedAt).readable
        switch state {
        case .launching, .running:
            let when = child.accepting ? "after running for \(lifetime)" : "before it was ready (after \(lifetime))"
            let failure = "\(role) \(end.summary)\(end.unexpectedHint) \(when)"
            logger.error("program ended unexpectedly", metadata: [
                "failure": "\(failure)", "pid": "\(pid)", "command": "\(child.spec.commandLine)",
                "last_lines": lastLinesValue(of: role)])
            await fail(with: failure + lastLines(of: role))
        case let .terminating(then):
            logger.info("program stopped", metadata: ["program": "\(role)", "pid": "\(pid)", "end": "\(end.summary)"])
            if liveChildren.isEmpty { await afterTermination(then) }
        default:
            break
        }
    }

    /// Asks every live program of this generation to stop; `then` runs once all have ended.
    private func terminateGeneration(then: AfterTermination) async {
        cancelGenerationTasks()
        state = .terminating(then: then)
        let live = liveChildren
        if live.isEmpty {
            await afterTermination(then)
        } else {
            for child in live { child.process.terminate() }
        }
    }

    /// Everything of the generation has ended: stop, relaunch now, or count a failure.
    private func afterTermination(_ then: AfterTermination) async {
        switch then {
        case .stop:
            logger.info("runtime stopped")
            enterStopped()
        case .relaunch:
            await beginGeneration()
        case let .recover(failure):
            let failures = history.record(at: .now)
            if history.givesUp {
                let message = "the runtime failed \(failures) time\(failures == 1 ? "" : "s") within \(options.failureWindow.readable); "
                    + "not restarting it again (fix the cause, then restart the server). Last failure: \(failure)"
                state = .failed
                snapshot.lastError = message
                snapshot.phase = .failed
                publish()
                logger.critical("the runtime failed too often; not restarting it again (fix the cause, then restart the server)",
                                metadata: ["failures": "\(failures)", "window": "\(options.failureWindow.readable)",
                                           "last_failure": "\(failure)"])
                failWaiters(with: .unavailable("the runtime has failed and will not be restarted: \(message)"))
            } else {
                let delay = history.backoff
                state = .backingOff
                snapshot.phase = .restarting
                publish()
                logger.warning("restarting the runtime", metadata: [
                    "in": "\(delay.readable)", "failures": "\(failures)",
                    "gives_up_at": "\(options.maximumFailures) within \(options.failureWindow.readable)"])
                schedule(.backoffElapsed(generation: generation), after: delay)
            }
        }
    }

    var liveChildren: [Child] {
        children.values.filter { $0.ended == nil }
    }
}
