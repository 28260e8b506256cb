//! 花名册: the lists a roster export is made of (`api::rosters` reads a request for one).

coded! {
    /// The lists a roster is made of.
    pub enum RosterKind {
        Households = "households",
        Applications = "applications",
        Warnings = "warnings",
        /// A month's payment roll (资金发放).
        Payments = "payments",
    }
}
