//! The catalogue of audited actions: every security-relevant event simpul writes is one of these,
//! so a typo cannot create a new kind of entry and a reader of the log can know every kind.

use crate::org::string_enum;

string_enum!(
    /// What happened. The text is the stored, hashed form (a dotted verb).
    AuditAction, "action" {
        OrgCreate => "org.create",
        OrgUpdate => "org.update",
        OrgSuspend => "org.suspend",
        OrgReactivate => "org.reactivate",
        OrgProfileUpdate => "org.profile_update",
        CommunityCreate => "community.create",
        CommunityAddMembers => "community.add_members",
        UserCreate => "user.create",
        UserUpdate => "user.update",
        UserSetRole => "user.set_role",
        UserDisable => "user.disable",
        UserEnable => "user.enable",
        UserResetPassword => "user.reset_password",
        UserChangePassword => "user.change_password",
        TokenCreate => "token.create",
        TokenRevoke => "token.revoke",
        LoginSuccess => "login.success",
        LoginFailure => "login.failure",
        LoginThrottled => "login.throttled",
        Logout => "logout",
        CollectionCreate => "collection.create",
        CollectionUpdate => "collection.update",
        ImportStart => "import.start",
        ImportFinish => "import.finish",
        ObjectVersion => "object.version",
        ObjectRevoke => "object.revoke",
        ObjectMarking => "object.marking",
        ObjectRecipients => "object.recipients",
        ObjectDelete => "object.delete",
        PeerAdd => "peer.add",
        PeerRemove => "peer.remove",
        MailQueue => "mail.queue",
        ContactCreate => "contact.create",
        ContactUpdate => "contact.update",
        ContactDelete => "contact.delete",
        ContactVerified => "contact.verified",
        CommCheckStart => "comm_check.start",
        CommCheckAcknowledge => "comm_check.acknowledge",
        CommCheckScheduleCreate => "comm_check.schedule_create",
        CommCheckScheduleDelete => "comm_check.schedule_delete",
        RequestCreate => "request.create",
        RequestTransition => "request.transition",
        RequestComment => "request.comment",
        CaseOpen => "case.open",
        CaseParty => "case.party",
        CaseEntry => "case.entry",
        CaseConsent => "case.consent",
        CaseTask => "case.task",
        CaseUpdate => "case.update",
        CaseClose => "case.close",
        CaseInvite => "case.invite",
        WebhookCreate => "webhook.create",
        WebhookDelete => "webhook.delete",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_reads_back_from_its_stored_text() {
        for a in AuditAction::ALL {
            assert_eq!(a.as_str().parse::<AuditAction>().unwrap(), *a);
        }
    }
}
