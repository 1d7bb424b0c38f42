"""The council's review step: who chairs each panel, and what the chair decided for each flagged entry."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, func, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest.models.base import Base, check_in, utcnow

if TYPE_CHECKING:
    from contest.models.people import User
    from contest.models.results import ResultSet


class ChairDecisionKind(enum.StrEnum):
    KEEP = "keep"  # the computed value stands
    PLAIN_MEAN = "plain_mean"  # the council's plain mean of the sheets
    ASK_REVIEW = "ask_review"  # a judge is asked to look at their sheet again; the value stands meanwhile
    EXCLUDE_SHEET = "exclude_sheet"  # one sheet is left out, with a reason; the plain mean of the others


class PanelChair(Base):
    """The chair of a panel: the final panel of a round (no field) or one field's sub-panel."""

    __tablename__ = "panel_chairs"
    __table_args__ = (
        Index("uq_panel_chairs_scope", "round_id", func.coalesce(text("category_id"), 0), unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id"), index=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    appointed_at: Mapped[datetime] = mapped_column(default=utcnow)
    appointed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class ChairDecision(Base):
    """The chair's decision on one flagged entry of one result set."""

    __tablename__ = "chair_decisions"
    __table_args__ = (
        UniqueConstraint("result_set_id", "entry_id"),
        CheckConstraint(check_in("decision", ChairDecisionKind), name="decision_known"),
        CheckConstraint("decision NOT IN ('ask_review', 'exclude_sheet') OR judge_id IS NOT NULL",
                        name="sheet_decision_names_judge"),
        CheckConstraint("decision != 'exclude_sheet' OR reason IS NOT NULL", name="exclusion_has_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    result_set_id: Mapped[int] = mapped_column(ForeignKey("result_sets.id", ondelete="CASCADE"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id"))
    decision: Mapped[str] = mapped_column(String(20))
    judge_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)

    result_set: Mapped[ResultSet] = relationship()
    judge: Mapped[User | None] = relationship(foreign_keys=[judge_id])
    decided_by: Mapped[User] = relationship(foreign_keys=[decided_by_id])
