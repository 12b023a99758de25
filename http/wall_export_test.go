package apphttp

// EvalPlan exposes the wall chart's colour rule for its unit test.
var EvalPlan = evalPlan

// MergePlans exposes the sum of plans for its unit test.
var MergePlans = mergePlans

// PlanNodes exposes a plan's nodes with the implicit year-end node.
var PlanNodes = planNodes
