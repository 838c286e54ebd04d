// Words shown for the ticket fields the server sends as codes. One place, so the
// inbox, the header badges and the action selects always agree.

export const STATUS_LABELS = {
  new: "New", open: "Open", pending: "Pending", resolved: "Resolved", closed: "Closed",
};

export const PRIORITY_LABELS = {
  low: "Low", normal: "Normal", high: "High", urgent: "Urgent",
};
