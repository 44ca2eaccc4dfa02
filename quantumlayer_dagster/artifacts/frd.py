"""Stage 2: the functional requirements document."""

from pydantic import Field, model_validator

from quantumlayer_dagster.artifacts.brief import Brief
from quantumlayer_dagster.artifacts.llm_usage import LLMUsage
from quantumlayer_dagster.artifacts.text_fields import Name, Sentence
from quantumlayer_dagster.model import Model


class UserStoryDraft(Model):
    as_a: Name
    i_want: Sentence
    so_that: Sentence


class FeatureDraft(Model):
    name: Name
    description: Sentence
    user_stories: list[UserStoryDraft] = Field(min_length=1, max_length=2)
    acceptance_criteria: list[Sentence] = Field(min_length=1, max_length=3)


class FRDDraft(Model):
    """What the LLM returns for stage 2: features with their stories and criteria nested."""

    title: Name
    features: list[FeatureDraft] = Field(min_length=1, max_length=4)
    non_functional: list[Sentence] = Field(default_factory=list, max_length=5)


class Feature(Model):
    id: str
    name: str
    description: str


class UserStory(Model):
    id: str
    feature_id: str
    as_a: str
    i_want: str
    so_that: str


class AcceptanceCriterion(Model):
    id: str
    feature_id: str
    text: str


class NonFunctionalNeed(Model):
    id: str
    text: str


class FRD(Model):
    """Stage 2 artifact: features, user stories, acceptance criteria and non-functional needs,
    each with a stable id (F1, US1, AC1, NFR1) and every story and criterion tied to a feature."""

    request_id: str
    brief: Brief
    title: str
    features: list[Feature]
    user_stories: list[UserStory]
    acceptance_criteria: list[AcceptanceCriterion]
    non_functional: list[NonFunctionalNeed]
    llm: LLMUsage = Field(default_factory=LLMUsage)

    @model_validator(mode="after")
    def _references(self) -> "FRD":
        ids = {f.id for f in self.features}
        items: list[UserStory | AcceptanceCriterion] = [
            *self.user_stories,
            *self.acceptance_criteria,
        ]
        for item in items:
            if item.feature_id not in ids:
                raise ValueError(f"{item.id} refers to unknown feature {item.feature_id}")
        bare = ids - {c.feature_id for c in self.acceptance_criteria}
        if bare:
            raise ValueError(f"features without acceptance criteria: {sorted(bare)}")
        return self

    def criteria_of(self, feature_id: str) -> list[AcceptanceCriterion]:
        return [c for c in self.acceptance_criteria if c.feature_id == feature_id]

    @classmethod
    def from_draft(cls, brief: Brief, draft: FRDDraft, llm: LLMUsage) -> "FRD":
        """Number the draft's nested items and flatten them into the artifact."""
        features: list[Feature] = []
        stories: list[UserStory] = []
        criteria: list[AcceptanceCriterion] = []
        for i, fd in enumerate(draft.features, start=1):
            fid = f"F{i}"
            features.append(Feature(id=fid, name=fd.name, description=fd.description))
            for s in fd.user_stories:
                sid = f"US{len(stories) + 1}"
                stories.append(UserStory(id=sid, feature_id=fid, **s.model_dump()))
            for text in fd.acceptance_criteria:
                criteria.append(
                    AcceptanceCriterion(id=f"AC{len(criteria) + 1}", feature_id=fid, text=text)
                )
        nfrs = [
            NonFunctionalNeed(id=f"NFR{i}", text=t) for i, t in enumerate(draft.non_functional, 1)
        ]
        return cls(
            request_id=brief.request_id,
            brief=brief,
            title=draft.title,
            features=features,
            user_stories=stories,
            acceptance_criteria=criteria,
            non_functional=nfrs,
            llm=llm,
        )
