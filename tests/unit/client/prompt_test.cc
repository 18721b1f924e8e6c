#include "client/prompt.h"

#include <gtest/gtest.h>

namespace sekisho::client {
namespace {

using proto::auth::AuthForm;
using proto::auth::FormField;

FormField Field(FormField::Kind kind, std::string name, std::string value = {}) {
  FormField field;
  field.kind = kind;
  field.name = std::move(name);
  field.label = field.name;
  field.value = std::move(value);
  return field;
}

TEST(PrompterTest, UserFromCommandLineHiddenAndSelectKeepTheirValues) {
  AuthForm form;
  form.fields = {Field(FormField::kHidden, "token", "abc"),
                 Field(FormField::kSelect, "group_list", "eng"),
                 Field(FormField::kText, "username")};
  Prompter prompter(PromptOptions{"alice", false, true});
  auto values = prompter.FillForm(form, false);
  ASSERT_TRUE(values.has_value()) << values.error().ToString();
  ASSERT_EQ(values->size(), 1u);
  EXPECT_EQ((*values)[0].first, "username");
  EXPECT_EQ((*values)[0].second.reveal(), "alice");
}

TEST(PrompterTest, NonInteractiveFailsWhenAPromptIsNeeded) {
  AuthForm form;
  form.fields = {Field(FormField::kText, "username"), Field(FormField::kPassword, "password")};
  Prompter prompter(PromptOptions{"alice", false, true});
  auto values = prompter.FillForm(form, false);
  ASSERT_FALSE(values.has_value());
  EXPECT_EQ(values.error().code, Errc::kAuthFailed);
  EXPECT_NE(values.error().context.find("--non-inter"), std::string::npos);
}

TEST(PrompterTest, NonInteractiveWithoutUserFails) {
  AuthForm form;
  form.fields = {Field(FormField::kText, "username")};
  Prompter prompter(PromptOptions{std::nullopt, false, true});
  EXPECT_FALSE(prompter.FillForm(form, false).has_value());
}

TEST(PrompterTest, SsoIsUnsupported) {
  AuthForm form;
  form.fields = {Field(FormField::kSso, "sso")};
  Prompter prompter(PromptOptions{std::nullopt, false, true});
  auto values = prompter.FillForm(form, false);
  ASSERT_FALSE(values.has_value());
  EXPECT_EQ(values.error().code, Errc::kUnsupported);
}

TEST(PrompterTest, ConfirmIsNoWhenNonInteractive) {
  Prompter prompter(PromptOptions{std::nullopt, false, true});
  EXPECT_FALSE(prompter.Confirm("Accept?"));
}

}  // namespace
}  // namespace sekisho::client
