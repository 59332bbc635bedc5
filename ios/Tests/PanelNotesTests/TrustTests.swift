import Foundation
import PanelNotes
import PanelNotesFFI
import XCTest

final class TrustTests: StoreTestCase {
    func testAScheduledPanelistJoinsOverTheLanAndAPhotoOfTheCodeIsRefused() async throws {
        let ana = try open("ana")
        let ben = try open("ben")
        let eve = try open("eve")
        let (c, i) = try await scheduled(ana, panel: ["ana@acme", "ben@acme"])
        try await ana.splice(interviewId: i, stage: "learn", position: 0, delete: 0, text: "Ran Spark on 200 nodes 🚀")
        let panel = try await ana.startPanel(interviewId: i)
        let anaFingerprint = try await ana.thisDeviceFingerprint()
        let benFingerprint = try await ben.thisDeviceFingerprint()
        XCTAssertEqual(panel.leadFingerprint, anaFingerprint)
        let invite = try await ana.inviteSeat(interviewId: i, seat: "ben@acme")
        XCTAssertEqual(invite.seat, "ben@acme")
        XCTAssertFalse(invite.uri.contains(i), "the code names no document")
        // The listener answers the invites made before it started.
        let server = try await ana.serveLan(address: "127.0.0.1:0")
        defer { server.stop() }
        let address = server.address()

        let joined = try await ben.joinViaLan(inviteUri: invite.uri, address: address, label: "Pixel 8")
        XCTAssertEqual(joined, .welcomed(interviewId: i, seat: "ben@acme"))

        let waiting = try await ana.joinRequests()
        XCTAssertTrue(waiting.isEmpty, "a scheduled panelist is admitted without asking the lead")
        let roster = try await ana.panelRoster(interviewId: i)
        let seat = try XCTUnwrap(roster?.seats.first { $0.interviewerId == "ben@acme" })
        XCTAssertEqual(seat.devices.count, 1)
        XCTAssertEqual(seat.devices.first?.label, "Pixel 8")
        XCTAssertEqual(seat.devices.first?.fingerprint, benFingerprint)
        XCTAssertNotEqual(benFingerprint, anaFingerprint)
        XCTAssertEqual(seat.devices.first?.removed, false)
        XCTAssertFalse(seat.admin)

        _ = try await ben.syncPanelLan(address: address, interviewId: i)
        let notes = try await ben.notes(interviewId: i, stage: "learn")
        XCTAssertEqual(notes, "Ran Spark on 200 nodes 🚀")
        let interview = try await ben.interview(id: i)
        XCTAssertEqual(interview.candidateId, c)

        // Eve photographed Ben's code: the token is spent.
        let photo = try await eve.joinViaLan(inviteUri: invite.uri, address: address, label: "Eve")
        XCTAssertEqual(photo, .refused(reason: .alreadyUsed))
        let evesPanel = try await eve.panelRoster(interviewId: i)
        XCTAssertNil(evesPanel)
        let problems = try await ana.envelopeProblems(interviewId: i)
        XCTAssertTrue(problems.isEmpty, "an honest sync has no refused envelope")
    }

    func testAnInviteWithoutASeatWaitsForTheLeadWhoAdmitsOrRemovesTheDevice() async throws {
        let ana = try open("ana")
        let cy = try open("cy")
        let (_, i) = try await scheduled(ana, panel: ["ana@acme", "cy@acme"])
        _ = try await ana.startPanel(interviewId: i)
        let invite = try await ana.inviteSeat(interviewId: i, seat: nil, expiresAt: Date().addingTimeInterval(3600))
        XCTAssertNil(invite.seat)
        let server = try await ana.serveLan(address: "127.0.0.1:0")
        defer { server.stop() }
        let address = server.address()
        let cyFingerprint = try await cy.thisDeviceFingerprint()

        let first = try await cy.joinViaLan(inviteUri: invite.uri, address: address, label: "iPhone")
        XCTAssertEqual(first, .pending)
        let waiting = try await ana.joinRequests()
        XCTAssertEqual(waiting.count, 1)
        let request = try XCTUnwrap(waiting.first)
        XCTAssertEqual(request.label, "iPhone")
        XCTAssertEqual(request.interviewId, i)
        XCTAssertEqual(request.deviceFingerprint, cyFingerprint)
        try await ana.admitJoinRequest(id: request.id, seat: "cy@acme")
        let left = try await ana.joinRequests()
        XCTAssertTrue(left.isEmpty)
        // The phone asks again with the same code and is welcomed.
        let second = try await cy.joinViaLan(inviteUri: invite.uri, address: address, label: "iPhone")
        XCTAssertEqual(second, .welcomed(interviewId: i, seat: "cy@acme"))

        let after = try await ana.removeDevice(interviewId: i, fingerprint: cyFingerprint)
        XCTAssertEqual(after.epoch, 1)
        let device = try XCTUnwrap(after.seats.first { $0.interviewerId == "cy@acme" }?.devices.first)
        XCTAssertTrue(device.removed)
    }

    static let allTests = [
        ("testAScheduledPanelistJoinsOverTheLanAndAPhotoOfTheCodeIsRefused",
         asyncTest(testAScheduledPanelistJoinsOverTheLanAndAPhotoOfTheCodeIsRefused)),
        ("testAnInviteWithoutASeatWaitsForTheLeadWhoAdmitsOrRemovesTheDevice",
         asyncTest(testAnInviteWithoutASeatWaitsForTheLeadWhoAdmitsOrRemovesTheDevice)),
    ]
}
