package app.panelnotes

import app.panelnotes.ffi.PanelRoster

// A second device of one's own in a panel seat, and moving the panel's lead. Linking takes
// two devices: the new one shows thisDeviceCode(), the seat's device vouches for it
// (countersignLink, a link code), an admin's device links it (linkDevice), and the new device
// takes in the roster (takePanelRoster, from panelRosterCode() on a member's device).

/** This device's public keys as a code, for a device of the same person on a panel to vouch for. */
suspend fun PanelNotesStore.thisDeviceCode(): String = call { thisDeviceCode() }

/** On a device of the seat: vouches for [deviceCode] as another device of this seat; returns the link code. */
suspend fun PanelNotesStore.countersignLink(interviewId: String, deviceCode: String, label: String): String =
    call { countersignLink(interviewId, deviceCode, label) }

/** As an admin: links the device the [linkCode] vouches for to its seat. */
suspend fun PanelNotesStore.linkDevice(interviewId: String, linkCode: String): PanelRoster =
    call { linkDevice(interviewId, linkCode) }

/** The panel's roster as a code, for a linked device to take in. */
suspend fun PanelNotesStore.panelRosterCode(interviewId: String): String = call { panelRosterCode(interviewId) }

/** On a linked device: takes in the panel's roster; its documents arrive with the first sync. */
suspend fun PanelNotesStore.takePanelRoster(code: String): PanelRoster = call { takePanelRoster(code) }

/**
 * As an admin: moves the panel's lead to [seat] (its device by [deviceFingerprint] when it has
 * several). This device's seat stays an admin seat only with [keepAdmin].
 */
suspend fun PanelNotesStore.transferLead(interviewId: String, seat: String, deviceFingerprint: String? = null, keepAdmin: Boolean = false): PanelRoster =
    call { transferLead(interviewId, seat, deviceFingerprint, keepAdmin) }
